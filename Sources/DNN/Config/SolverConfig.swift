/// `solver`: how to train: epochs, batches, regularisation, logging, and the optimizer.
public struct SolverConfig: Equatable, Sendable {
    /// The total number of epochs; at least 1 (`--epochs` overrides it).
    public var epochs: Int
    /// Rows per training batch; at least 1 (32).
    public var batchSize: Int
    /// Reshuffle the training rows every epoch (true); false keeps file order.
    public var shuffle: Bool
    /// Drop a last batch smaller than `batchSize` (false), as PyTorch's DataLoader.
    public var dropLast: Bool
    /// The learning rate is multiplied by this after every epoch; > 0 (1.0).
    public var lrDecay: Double
    /// L2 strength: the loss gains 0.5 * reg * sum(W²) over linear and conv weights
    /// (not biases, not norm parameters); >= 0 (0).
    public var reg: Double
    /// Log a line every this many iterations; 0 logs epochs only (100).
    public var printEvery: Int
    /// Also write `last.safetensors` every this many iterations inside an epoch; 0 only
    /// at epoch ends (0).
    public var checkpointEvery: Int
    /// A safetensors file whose tensors replace the same-named initial ones; absolute.
    public var initFrom: String?
    /// Stop when the monitored value has not improved for `patience` epochs.
    public var earlyStopping: EarlyStopping?
    /// What `best.safetensors`, early stopping and `plateau` follow (val_accuracy).
    public var monitor: Monitor
    /// The learning-rate schedule after warmup (nil: constant, or `lrDecay`).
    public var lrSchedule: LRScheduleConfig?
    /// Linear warmup before the schedule.
    public var warmup: WarmupConfig?
    /// Rescale the whole gradient to at most this global L2 norm (nil: no clipping).
    public var clipGradNorm: Double?
    /// The update rule; required.
    public var optimizer: OptimizerConfig
    /// The precision of linear and convolution products (fp32); `bf16` as PyTorch's CPU
    /// autocast, in float32 on a CPU without bfloat16 dot products.
    public var precision: Precision = .fp32

    /// A solver with the config file's defaults for everything but `epochs`.
    public init(epochs: Int, batchSize: Int = 32, shuffle: Bool = true, dropLast: Bool = false,
                lrDecay: Double = 1.0, reg: Double = 0, printEvery: Int = 100, checkpointEvery: Int = 0,
                initFrom: String? = nil,
                earlyStopping: EarlyStopping? = nil, monitor: Monitor = .validationAccuracy,
                lrSchedule: LRScheduleConfig? = nil, warmup: WarmupConfig? = nil, clipGradNorm: Double? = nil,
                optimizer: OptimizerConfig) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.lrDecay = lrDecay
        self.reg = reg
        self.printEvery = printEvery
        self.checkpointEvery = checkpointEvery
        self.initFrom = initFrom
        self.earlyStopping = earlyStopping
        self.monitor = monitor
        self.lrSchedule = lrSchedule
        self.warmup = warmup
        self.clipGradNorm = clipGradNorm
        self.optimizer = optimizer
    }

    /// The schedule in force: `lr_schedule`, or `lr_decay` ≠ 1 as its shorthand
    /// `{"type": "exponential", "gamma": lr_decay}`.
    public var effectiveSchedule: LRScheduleConfig? {
        lrSchedule ?? (lrDecay == 1 ? nil : .exponential(gamma: lrDecay))
    }
}

/// `solver.early_stopping`: `{"patience": n, "min_delta": d}` on `solver.monitor`, as
/// Keras' `EarlyStopping`: an epoch improves when it beats the best so far by MORE than
/// `min_delta`.
public struct EarlyStopping: Equatable, Sendable {
    /// Epochs without improvement before training stops; >= 1.
    public var patience: Int
    /// The margin an improvement must exceed; >= 0 (0).
    public var minDelta: Double

    /// Early stopping after `patience` epochs without improvement.
    public init(patience: Int, minDelta: Double = 0) {
        self.patience = patience
        self.minDelta = minDelta
    }
}

/// `solver.optimizer`: the update rule and its hyperparameters, with `torch.optim`'s
/// names, defaults and semantics.
public enum OptimizerConfig: Equatable, Sendable {
    /// `torch.optim.SGD`: lr 1e-3, momentum 0 in [0, 1), nesterov (needs momentum > 0),
    /// weight_decay 0.
    case sgd(lr: Double, momentum: Double, nesterov: Bool, weightDecay: Double)
    /// `torch.optim.Adam`: lr 1e-3, beta1 0.9, beta2 0.999 (both in [0, 1)), eps 1e-8,
    /// weight_decay 0 (added to the gradient).
    case adam(lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double)
    /// `torch.optim.AdamW`: as Adam with decoupled weight_decay 0.01.
    case adamw(lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double)
    /// `torch.optim.RMSprop`: lr 1e-2, alpha 0.99 in [0, 1), eps 1e-8, momentum 0 in
    /// [0, 1), weight_decay 0.
    case rmsprop(lr: Double, alpha: Double, eps: Double, momentum: Double, weightDecay: Double)

    /// The JSON `type`.
    public var typeName: String {
        switch self {
        case .sgd: "sgd"
        case .adam: "adam"
        case .adamw: "adamw"
        case .rmsprop: "rmsprop"
        }
    }

    /// The initial learning rate.
    public var learningRate: Double {
        switch self {
        case .sgd(let lr, _, _, _), .adam(let lr, _, _, _, _), .adamw(let lr, _, _, _, _),
             .rmsprop(let lr, _, _, _, _):
            lr
        }
    }

    /// Every optimizer `type` a config may use.
    public static let typeNames = ["sgd", "adam", "adamw", "rmsprop"]
}
