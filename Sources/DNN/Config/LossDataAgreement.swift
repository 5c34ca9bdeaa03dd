/// The rules that tie the loss to the data and the solver: a regression loss (mse, l1,
/// huber) predicts numeric CSV columns, cross-entropy scores the classes of one column.
/// Checked once the whole config is decoded, so each error can name the key to change.
extension ConfigDecoder {
    /// `solver.monitor`: val_loss by default for regression, val_accuracy for
    /// classification; each loss allows only the metrics it reports.
    static func monitor(_ object: ConfigObject, regression: Bool) throws -> Monitor {
        let fallback: Monitor = regression ? .validationLoss : .validationAccuracy
        let name = try object.choice("monitor", default: fallback.rawValue, options: Monitor.allCases.map(\.rawValue),
                                     what: "monitor")
        let monitor = Monitor(rawValue: name) ?? fallback
        if regression && monitor == .validationAccuracy {
            throw DNNError.config(object.path("monitor"), "val_accuracy needs classes, but the loss is a regression loss",
                                  hint: "use val_loss (the default for regression), val_mae, val_rmse or val_r2")
        }
        if !regression && monitor.isRegressionMetric {
            throw DNNError.config(object.path("monitor"), "\(name) is reported for regression losses "
                                  + "(\(LossConfig.regressionTypeNames)) only, and the loss is cross_entropy",
                                  hint: "use val_accuracy or val_loss")
        }
        return monitor
    }

    /// Throws when the loss cannot train on the data as configured.
    static func checkLossAgreesWithData(_ loss: LossConfig, data: DataConfig) throws {
        var sources: [(path: String, source: DataSource)] = [("data.train", data.train)]
        if case .source(let source)? = data.validation { sources.append(("data.validation", source)) }
        if let test = data.test { sources.append(("data.test", test)) }
        guard loss.isRegression else {
            if data.normalizeTarget != .none {
                throw DNNError.config("data.normalize_target", "applies to regression losses (\(LossConfig.regressionTypeNames)), "
                                      + "and the loss is cross_entropy", hint: "remove it, or set loss.type to mse")
            }
            for (path, source) in sources where source.labelColumns.count > 1 {
                throw DNNError.config(path + ".label", "cross_entropy takes one class column, got a list of "
                                      + "\(source.labelColumns.count)",
                                      hint: "for numeric targets use loss.type \(LossConfig.regressionTypeNames)")
            }
            return
        }
        let targets = data.train.labelColumns.count
        for (path, source) in sources {
            guard source.canHoldTargets else {
                throw DNNError.config(path + ".format", "\(source.format.uppercased()) files hold classes, and \(loss.typeName) needs numeric "
                                      + "target columns", hint: "use a CSV or NumPy source, or loss.type cross_entropy")
            }
            if source.labelColumns.count != targets {
                throw DNNError.config(path + ".label", "has \(source.labelColumns.count) target columns, but "
                                      + "data.train.label has \(targets)", hint: "name the same target columns")
            }
        }
    }
}
