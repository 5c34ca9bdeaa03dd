import Foundation
import Testing
@testable import DNN

/// `--set PATH=VALUE`: parsing, applying to the JSON, and the errors of bad paths.
@Suite struct OverrideTests {
    typealias F = ConfigFixtures

    /// Six layers, so index errors can name "indices 0-5".
    static let text = F.config(layers: #"""
        [{"type": "flatten"}, {"type": "linear", "out": 64}, {"type": "relu"}, {"type": "dropout", "p": 0.5},
         {"type": "linear", "out": 10}, {"type": "relu"}]
        """#, solver: #"{"epochs": 10, "early_stopping": null, "optimizer": {"type": "sgd", "lr": 0.1}}"#)

    func decode(_ overrides: [String]) throws -> Config {
        let json = try JSON.parse(OverrideTests.text, file: "t").applying(overrides: overrides)
        return try Config.decode(json, baseDirectory: F.base, defaultName: "t").0
    }

    /// The usage error applying `overrides` throws, or nil after recording an issue.
    func usageError(_ overrides: [String], sourceLocation: SourceLocation = #_sourceLocation) -> DNNError? {
        expectError(.usage, sourceLocation: sourceLocation) {
            try JSON.parse(OverrideTests.text, file: "t").applying(overrides: overrides)
        }
    }

    @Test func setsNestedNumbers() throws {
        let config = try decode(["solver.optimizer.lr=0.01", "model.layers.3.p=0.3", "solver.epochs=3"])
        #expect(config.solver.optimizer == .sgd(lr: 0.01, momentum: 0, nesterov: false, weightDecay: 0))
        #expect(config.model.layers[3] == .dropout(p: 0.3))
        #expect(config.solver.epochs == 3)
    }

    @Test func bracketPathsFromErrorMessagesWorkToo() throws {
        let config = try decode(["model.layers[3].p=0.2", "model.layers[1].out=32"])
        #expect(config.model.layers[3] == .dropout(p: 0.2))
        #expect(config.model.layers[1] == .linear(out: 32, bias: true, init: .he))
    }

    @Test func addsKeysTheObjectDoesNotHave() throws {
        let json = try JSON.parse(OverrideTests.text, file: "t")
            .applying(overrides: ["solver.optimizer.momentum=0.9", "solver.early_stopping.patience=2"])
        #expect(json["solver"]?["optimizer"]?.object?.map(\.key) == ["type", "lr", "momentum"])
        #expect(json["solver"]?["early_stopping"] == ["patience": 2])
        let config = try Config.decode(json, baseDirectory: "/", defaultName: "t").0
        #expect(config.solver.optimizer == .sgd(lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0))
        #expect(config.solver.earlyStopping == EarlyStopping(patience: 2))
    }

    @Test func addedKeysAreValidatedByTheDecoder() throws {
        let json = try JSON.parse(OverrideTests.text, file: "t").applying(overrides: ["solver.optimizer.momentun=0.9"])
        #expect(throws: DNNError.config("solver.optimizer.momentun", "unknown key \"momentun\" in an sgd optimizer",
                                        hint: "did you mean 'momentum'?")) {
            try Config.decode(json, baseDirectory: "/", defaultName: "t")
        }
    }

    @Test func valuesAreJSONWhenTheyParseElsePlainStrings() throws {
        let parsed = try Override(parsing: "data.normalize=scale")
        #expect(parsed.path == ["data", "normalize"])
        #expect(parsed.value == "scale")
        #expect(try Override(parsing: "a=3").value == 3)
        #expect(try Override(parsing: "a=3.0").value == 3.0)
        #expect(try Override(parsing: "a=true").value == true)
        #expect(try Override(parsing: "a=null").value == .null)
        #expect(try Override(parsing: "a=[1, 28, 28]").value == [1, 28, 28])
        #expect(try Override(parsing: #"a={"type": "relu"}"#).value == ["type": "relu"])
        #expect(try Override(parsing: #"a="3""#).value == "3")
        #expect(try Override(parsing: "a=runs/x=1").value == "runs/x=1")
        #expect(try Override(parsing: "a=").value == "")
        let config = try decode(["data.normalize=scale", "model.input_shape=[1, 28, 28]", "name=mine"])
        #expect(config.data.normalize == .scale)
        #expect(config.model.inputShape == [1, 28, 28])
        #expect(config.name == "mine")
    }

    @Test func nullClearsAnOptionalKey() throws {
        let config = try decode(["solver.early_stopping.patience=4", "solver.early_stopping=null"])
        #expect(config.solver.earlyStopping == nil)
    }

    @Test func indexOutOfRangeNamesTheValidIndices() {
        let error = usageError(["model.layers.9.p=0.3"])
        #expect(error?.location == "--set model.layers.9.p")
        #expect(error?.message == "model.layers has 6 entries (indices 0-5)")
        #expect(error?.description == "--set model.layers.9.p: model.layers has 6 entries (indices 0-5)")
        let shape = usageError(["model.input_shape=[5]", "model.input_shape.1=3"])
        #expect(shape?.message == "model.input_shape has 1 entry (index 0)")
        let word = usageError(["model.layers.last.p=0.3"])
        #expect(word?.message == "model.layers is an array and \"last\" is not an index; model.layers has 6 entries (indices 0-5)")
    }

    @Test func pathsThroughValuesAreErrors() {
        let error = usageError(["solver.epochs.x=1"])
        #expect(error?.location == "--set solver.epochs.x")
        #expect(error?.message == "solver.epochs is an integer (10), so it has no entry \"x\"")
        let nested = usageError(["model.layers.3.type.name=relu"])
        #expect(nested?.message == "model.layers[3].type is a string (\"dropout\"), so it has no entry \"name\"")
    }

    @Test func malformedArguments() {
        let noEquals = usageError(["solver.epochs"])
        #expect(noEquals?.location == "--set solver.epochs")
        #expect(noEquals?.message == "expected PATH=VALUE")
        let emptyPath = usageError(["=3"])
        #expect(emptyPath?.message == "the path before '=' is empty")
        let emptyComponent = usageError(["solver..epochs=3"])
        #expect(emptyComponent?.location == "--set solver..epochs")
        #expect(emptyComponent?.message == "the path has an empty component")
        let trailingDot = usageError(["solver.=3"])
        #expect(trailingDot?.message == "the path has an empty component")
        let badIndex = usageError(["model.layers[x].p=3"])
        #expect(badIndex?.message == "expected an index in brackets, like layers[3], got [x]")
        let badJSON = usageError(["model.input_shape=[1, 28"])
        #expect(badJSON?.location == "--set model.input_shape")
        #expect(badJSON?.message == "the value is not valid JSON: value:1:7: expected ',' or ']' after an array element, "
                + "got the end of the input")
    }

    @Test func loadAppliesOverridesBeforeDecoding() throws {
        let folder = try F.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("run.json").path
        try OverrideTests.text.write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = try Config.load(path: file, overrides: ["solver.optimizer.lr=0.05", "model.layers.3.p=0.1"])
        #expect(loaded.config.solver.optimizer.learningRate == 0.05)
        #expect(loaded.config.model.layers[3] == .dropout(p: 0.1))
        #expect(loaded.json["solver"]?["optimizer"]?["lr"] == 0.05)
        #expect(throws: DNNError(.usage, at: "--set model.layers.6", "model.layers has 6 entries (indices 0-5)")) {
            try Config.load(path: file, overrides: ["model.layers.6={\"type\": \"relu\"}"])
        }
    }
}
