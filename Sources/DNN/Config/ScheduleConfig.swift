/// `solver.lr_schedule`: how the learning rate changes from epoch to epoch, one case per
/// PyTorch scheduler (stepped once after every epoch, as `scheduler.step()` in an epoch loop).
public enum LRScheduleConfig: Equatable, Sendable {
    /// `StepLR(step_size, gamma)`: the rate is multiplied by `gamma` every `stepSize` epochs.
    case step(stepSize: Int, gamma: Double)
    /// `MultiStepLR(milestones, gamma)`: multiplied by `gamma` after each milestone epoch.
    case multistep(milestones: [Int], gamma: Double)
    /// `ExponentialLR(gamma)`: multiplied by `gamma` after every epoch.
    case exponential(gamma: Double)
    /// `CosineAnnealingLR(T_max, eta_min)`: half a cosine from the rate down to `etaMin`
    /// over `tMax` epochs.
    case cosine(tMax: Int, etaMin: Double)
    /// `ReduceLROnPlateau(mode, factor, patience, threshold, "rel", cooldown, min_lr)` on
    /// `solver.monitor` (mode "max" for accuracy, "min" for loss).
    case plateau(factor: Double, patience: Int, threshold: Double, cooldown: Int, minLR: Double)

    /// Every schedule `type` a config may use.
    public static let typeNames = ["step", "multistep", "exponential", "cosine", "plateau"]

    /// Every key of any type, `type` first (what an object is checked against before its type is known).
    static let allKeys = ["type"] + ["step_size", "milestones", "gamma", "t_max", "eta_min", "factor", "patience",
                                     "threshold", "cooldown", "min_lr"]

    /// The keys of each type besides `type`.
    static let keys: [String: [String]] = [
        "step": ["step_size", "gamma"],
        "multistep": ["milestones", "gamma"],
        "exponential": ["gamma"],
        "cosine": ["t_max", "eta_min"],
        "plateau": ["factor", "patience", "threshold", "cooldown", "min_lr"],
    ]
}

/// `solver.warmup`: `LinearLR(start_factor, total_iters=epochs)` before the schedule.
public struct WarmupConfig: Equatable, Sendable {
    /// Epochs of warmup; at least 1.
    public var epochs: Int
    /// The fraction of the rate in the first epoch, in (0, 1].
    public var startFactor: Double

    public init(epochs: Int, startFactor: Double) {
        self.epochs = epochs
        self.startFactor = startFactor
    }
}

/// `solver.monitor`: the validation number that picks `best.safetensors` and drives early
/// stopping and the `plateau` schedule.
public enum Monitor: String, Equatable, Sendable, CaseIterable {
    case validationAccuracy = "val_accuracy"
    case validationLoss = "val_loss"
    /// Regression only, in the target's original units.
    case validationMAE = "val_mae"
    case validationRMSE = "val_rmse"
    case validationR2 = "val_r2"

    /// Whether a larger value is better (accuracy, R²) or a smaller one (loss, errors).
    public var higherIsBetter: Bool { self == .validationAccuracy || self == .validationR2 }

    /// Whether the value exists only for a regression loss (MAE, RMSE, R²).
    public var isRegressionMetric: Bool { self != .validationAccuracy && self != .validationLoss }
}

extension ConfigDecoder {
    /// `solver.lr_schedule`: an object with a `type` and that type's keys.
    /// - Parameter defaultTMax: cosine's `t_max` when absent (the epochs after warmup);
    ///   nil makes it required.
    func lrSchedule(_ json: JSON, at path: String, defaultTMax: Int? = nil) throws -> (LRScheduleConfig, JSON) {
        let type = try ConfigObject(json, at: path, keys: LRScheduleConfig.allKeys,
                                    what: path, expected: "a schedule object with a \"type\" key")
            .choice("type", options: LRScheduleConfig.typeNames, what: "schedule type")
        let object = try ConfigObject(json, at: path, keys: ["type"] + (LRScheduleConfig.keys[type] ?? []),
                                      what: "\(article(type)) \(type) schedule")
        object.record("type", .string(type))
        let schedule: LRScheduleConfig
        switch type {
        case "step":
            schedule = .step(stepSize: try object.int("step_size", minimum: 1),
                             gamma: try object.double("gamma", default: 0.1, .greaterThan(0)))
        case "multistep":
            schedule = .multistep(milestones: try milestones(object), gamma: try object.double("gamma", default: 0.1, .greaterThan(0)))
        case "exponential":
            guard object.contains("gamma") else { throw DNNError.config(path, "missing required key \"gamma\"") }
            schedule = .exponential(gamma: try object.double("gamma", default: 1, .greaterThan(0)))
        case "cosine":
            schedule = .cosine(tMax: try object.int("t_max", default: defaultTMax, minimum: 1),
                               etaMin: try object.double("eta_min", default: 0, .atLeast(0)))
        default:  // plateau
            schedule = .plateau(factor: try object.double("factor", default: 0.1, .open(0, 1)),
                                patience: try object.int("patience", default: 10, minimum: 0),
                                threshold: try object.double("threshold", default: 1e-4, .atLeast(0)),
                                cooldown: try object.int("cooldown", default: 0, minimum: 0),
                                minLR: try object.double("min_lr", default: 0, .atLeast(0)))
        }
        return (schedule, object.resolvedJSON)
    }

    /// `milestones`: epochs (at least 1) in increasing order.
    private func milestones(_ object: ConfigObject) throws -> [Int] {
        let path = object.path("milestones")
        guard case .array(let values) = try object.required("milestones", hint: "e.g. [30, 60, 90]") else {
            throw DNNError.config(path, "expected a list of epochs, e.g. [30, 60, 90]")
        }
        let epochs = try values.enumerated().map { try ConfigValue.int($1, at: "\(path)[\($0)]", minimum: 1) }
        for index in epochs.indices.dropFirst() where epochs[index] <= epochs[index - 1] {
            throw DNNError.config("\(path)[\(index)]", "milestones must increase, got \(epochs[index]) after \(epochs[index - 1])")
        }
        object.record("milestones", .array(epochs.map { .integer($0) }))
        return epochs
    }

    /// `solver.warmup`: `{"epochs": k, "start_factor": f}`.
    func warmup(_ json: JSON, at path: String) throws -> (WarmupConfig, JSON) {
        let object = try ConfigObject(json, at: path, keys: ["epochs", "start_factor"], what: path,
                                      expected: "{\"epochs\": k, \"start_factor\": f}")
        let epochs = try object.int("epochs", minimum: 1)
        let factor = try object.double("start_factor", default: 1.0 / 3.0, .openClosed(0, 1))
        return (WarmupConfig(epochs: epochs, startFactor: factor), object.resolvedJSON)
    }
}
