import Foundation
import Testing
@testable import DNN

/// The config rules of regression (loss types mse, l1, huber; label lists;
/// data.normalize_target; the monitor's default and choices): each error names its JSON path.
@Suite struct RegressionConfigTests {
    typealias F = ConfigFixtures
    static let csv = #"{"train": {"format": "csv", "path": "r.csv", "label": "y"}}"#

    static func regression(loss: String = #"{"type": "mse"}"#, data: String = csv,
                           solver: String = #"{"epochs": 1, "optimizer": {"type": "sgd"}}"#) -> String {
        F.config(solver: solver, data: data, extra: #", "loss": \#(loss)"#)
    }

    @Test func regressionLossesDecodeWithTorchDefaults() throws {
        let (mse, _) = try F.decode(Self.regression())
        #expect(mse.loss.kind == .mse && mse.loss.regressionKind == .mse)
        #expect(mse.solver.monitor == .validationLoss)
        #expect(mse.data.normalizeTarget == .none)
        let (huber, _) = try F.decode(Self.regression(loss: #"{"type": "huber"}"#))
        #expect(huber.loss.regressionKind == .huber(delta: 1))
        #expect(huber.resolvedJSON["loss"] == ["type": "huber", "delta": 1.0])
        let (custom, _) = try F.decode(Self.regression(loss: #"{"type": "huber", "delta": 0.25}"#))
        #expect(custom.loss.regressionKind == .huber(delta: 0.25))
        let (l1, _) = try F.decode(Self.regression(loss: #"{"type": "l1"}"#))
        #expect(l1.loss.regressionKind == .l1 && l1.resolvedJSON["loss"] == ["type": "l1"])
        let (classifier, _) = try F.decode(F.config())
        #expect(classifier.solver.monitor == .validationAccuracy)
    }

    @Test func labelListsAndNormalizeTarget() throws {
        let data = #"{"train": {"format": "csv", "path": "r.csv", "label": ["y1", "y2"]}, "normalize_target": "standardize"}"#
        let (config, _) = try F.decode(Self.regression(data: data))
        #expect(config.data.train.labelColumns == ["y1", "y2"])
        #expect(config.data.normalizeTarget == .standardize)
        #expect(config.resolvedJSON["data"]?["train"]?["label"] == ["y1", "y2"])
        // The resolved config decodes to the same config.
        #expect(try Config.decode(config.resolvedJSON, baseDirectory: "/", defaultName: "x").0 == config)
    }

    @Test func optionsOfAnotherLossAreErrors() {
        let smoothing = F.error(Self.regression(loss: #"{"type": "mse", "label_smoothing": 0.1}"#))
        #expect(smoothing?.description == "loss.label_smoothing: applies to the cross_entropy loss only, not to mse "
            + "(remove \"label_smoothing\" or set loss.type to cross_entropy)")
        let weight = F.error(Self.regression(loss: #"{"type": "l1", "weight": [1, 2]}"#))
        #expect(weight?.location == "loss.weight")
        let delta = F.error(F.config(extra: #", "loss": {"type": "cross_entropy", "delta": 2}"#))
        #expect(delta?.location == "loss.delta")
        #expect(delta?.message == "applies to the huber loss only, not to cross_entropy")
        let deltaOfMSE = F.error(Self.regression(loss: #"{"type": "mse", "delta": 2}"#))
        #expect(deltaOfMSE?.location == "loss.delta")
        let negative = F.error(Self.regression(loss: #"{"type": "huber", "delta": 0}"#))
        #expect(negative?.location == "loss.delta")
        let typo = F.error(Self.regression(loss: #"{"type": "huber", "detla": 1}"#))
        #expect(typo?.location == "loss.detla" && typo?.hint == "did you mean 'delta'?")
    }

    @Test func lossAndDataMustAgree() {
        let idx = F.error(F.config(extra: #", "loss": {"type": "mse"}"#))
        #expect(idx?.location == "data.train.format")
        #expect(idx?.message == "IDX files hold classes, and mse needs numeric target columns")
        let list = F.error(F.config(data: #"{"train": {"format": "csv", "path": "r.csv", "label": ["a", "b"]}}"#))
        #expect(list?.location == "data.train.label")
        #expect(list?.message == "cross_entropy takes one class column, got a list of 2")
        let normalizeTarget = F.error(F.config(data: #"{"train": {"format": "csv", "path": "r.csv", "label": "y"}, "normalize_target": "standardize"}"#))
        #expect(normalizeTarget?.location == "data.normalize_target")
        let unknown = F.error(Self.regression(data: #"{"train": {"format": "csv", "path": "r.csv", "label": "y"}, "normalize_target": "scale"}"#))
        #expect(unknown?.location == "data.normalize_target")
        let validation = F.error(Self.regression(data: #"{"train": {"format": "csv", "path": "r.csv", "label": ["a", "b"]}, "validation": {"format": "csv", "path": "v.csv", "label": "a"}}"#))
        #expect(validation?.location == "data.validation.label")
        #expect(validation?.message == "has 1 target columns, but data.train.label has 2")
        let empty = F.error(Self.regression(data: #"{"train": {"format": "csv", "path": "r.csv", "label": []}}"#))
        #expect(empty?.location == "data.train.label")
        let twice = F.error(Self.regression(data: #"{"train": {"format": "csv", "path": "r.csv", "label": ["a", "a"]}}"#))
        #expect(twice?.location == "data.train.label[1]")
    }

    @Test func monitorFollowsTheTask() throws {
        let accuracy = F.error(Self.regression(solver: #"{"epochs": 1, "monitor": "val_accuracy", "optimizer": {"type": "sgd"}}"#))
        #expect(accuracy?.location == "solver.monitor")
        #expect(accuracy?.hint == "use val_loss (the default for regression), val_mae, val_rmse or val_r2")
        let r2 = F.error(F.config(solver: #"{"epochs": 1, "monitor": "val_r2", "optimizer": {"type": "sgd"}}"#))
        #expect(r2?.location == "solver.monitor")
        for name in ["val_mae", "val_rmse", "val_r2", "val_loss"] {
            let (config, _) = try F.decode(Self.regression(solver: #"{"epochs": 1, "monitor": "\#(name)", "optimizer": {"type": "sgd"}}"#))
            #expect(config.solver.monitor.rawValue == name)
        }
        #expect(Monitor.validationR2.higherIsBetter && !Monitor.validationRMSE.higherIsBetter)
    }
}
