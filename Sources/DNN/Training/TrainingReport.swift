import Foundation

/// One row of `metrics.jsonl`.
public struct EpochMetrics: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    /// nil for regression.
    public var trainAccuracy: Double?
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    /// Regression only: the validation errors in the targets' original units (nil
    /// without validation); `isRegression` adds their keys to the row.
    public var isRegression = false
    public var validationErrors: RegressionErrors?
    /// `solver.monitor`: what the progress line highlights; not part of the row.
    public var monitor: Monitor = .validationAccuracy

    /// This epoch's value of `monitor`; nil without validation.
    public var monitoredValue: Double? {
        switch monitor {
        case .validationAccuracy: validationAccuracy
        case .validationLoss: validationLoss
        case .validationMAE: validationErrors?.mae
        case .validationRMSE: validationErrors?.rmse
        case .validationR2: validationErrors?.r2
        }
    }
    public var learningRate: Double
    /// The mean over the epoch's steps of the gradient's global L2 norm before clipping.
    public var gradientNorm: Double
    public var seconds: Double
    public var samplesPerSecond: Double
    /// Processes of a data-parallel run (1 in one process).
    public var ranks = 1
    /// Seconds the epoch's steps waited for gradient sums after their backward pass.
    public var allreduceSeconds = 0.0
    /// A language model on bytes: the rows add `train_bits_per_byte` and `val_bits_per_byte`.
    public var isByteModel = false

    public var json: JSON {
        var members: [(key: String, value: JSON)] = [
            ("epoch", .integer(epoch)),
            ("train_loss", .number(trainLoss)),
            ("train_accuracy", trainAccuracy.map(JSON.number) ?? .null),
            ("val_loss", validationLoss.map(JSON.number) ?? .null),
            ("val_accuracy", validationAccuracy.map(JSON.number) ?? .null),
        ]
        if isRegression {
            members += [("val_mae", validationErrors.map { .number($0.mae) } ?? .null),
                        ("val_rmse", validationErrors.map { .number($0.rmse) } ?? .null),
                        ("val_r2", validationErrors.map { .number($0.r2) } ?? .null)]
        }
        if isByteModel {
            // Cross-entropy in nats per byte, in bits: loss / ln 2.
            members += [("train_bits_per_byte", .number(trainLoss / log(2.0))),
                        ("val_bits_per_byte", validationLoss.map { .number($0 / log(2.0)) } ?? .null)]
        }
        guard case .object(let rest) = common else { return .object(members) }
        return .object(members + rest)
    }

    /// The keys after the losses and accuracies, the same for every task.
    private var common: JSON {
        [
            "lr": .number(learningRate),
            "grad_norm": .number(gradientNorm),
            "seconds": .number(seconds),
            "samples_per_second": .number(samplesPerSecond),
            "ranks": .integer(ranks),
            "allreduce_seconds": .number(allreduceSeconds),
        ]
    }
}

/// The outcome of a run that ended without an error: finished, stopped early, or
/// stopped by a signal with its state saved.
public struct TrainingSummary: Sendable {
    public var runDirectory: String
    public var epochsCompleted: Int
    /// The epoch saved as `best.safetensors`, and its value of `monitor` (nil without validation).
    public var bestEpoch: Int
    public var monitor: Monitor
    public var bestValue: Double?
    public var stoppedEarly: Bool
    public var seconds: Double
    public var lastMetrics: EpochMetrics?
    /// The signal (SIGINT, SIGTERM) that stopped the run, nil when it ran to its end.
    public var interruptedBy: Int32?
    /// Iterations done in the epoch after `epochsCompleted` when the run stopped (0 at an epoch's end).
    public var iterationsIntoEpoch = 0
    /// `last.safetensors` of the run, what `--resume` continues from.
    public var lastCheckpoint: String { runDirectory + "/last.safetensors" }
}
