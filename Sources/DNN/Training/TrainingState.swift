/// Where a run stands, besides its weights and optimizer tensors: epochs done, the
/// position inside the current epoch, the generator, the learning rate and the
/// bookkeeping of the best epoch and early stopping.
public struct TrainingProgress: Sendable, Equatable {
    /// Epochs completed.
    public var epoch = 0
    /// Iterations (batches) done in epoch `epoch + 1`; 0 at an epoch's boundary.
    public var iteration = 0
    /// The learning rate of the current (or next) epoch.
    public var learningRate: Double
    /// The run's generator now: dropout masks, the next epoch's shuffle.
    public var random: RandomGenerator
    /// The generator as the current epoch began, before its shuffle: the epoch's
    /// permutation is drawn from it again on a mid-epoch resume.
    public var epochRandom: RandomGenerator
    /// Sums over the current epoch's batches so far: loss · rows, correct rows, rows.
    public var lossSum = 0.0
    public var correct = 0
    public var seen = 0
    /// Σ over the epoch's steps of the gradient's norm before clipping (`grad_norm`).
    public var gradientNormSum = 0.0
    /// The best monitored value so far (`solver.monitor`; nil before the first) and its
    /// epoch (0 when none yet): what `best.safetensors` holds.
    public var bestValue: Double?
    public var bestEpoch = 0
    /// Early stopping's reference (Keras' `best`: only an improvement by more than
    /// `min_delta` moves it; nil before the first) and the epochs since it moved.
    public var stoppingBest: Double?
    public var epochsWithoutImprovement = 0
    /// The `plateau` schedule's bookkeeping (unused by the other schedules); the trainer
    /// starts it at its schedule's `initialPlateau`.
    public var plateau = LearningRateSchedule.PlateauState(best: -.infinity)
    /// What `precision: "auto"` chose when the run started (nil for an explicit
    /// precision): a resumed run keeps it rather than timing again, so that it stays
    /// bit-identical to one never interrupted.
    public var productPrecision: Precision?

    public init(learningRate: Double, random: RandomGenerator) {
        self.learningRate = learningRate
        self.random = random
        self.epochRandom = random
    }

    /// Adds one batch to the epoch's running sums (`lossSum`: its mean loss times its rows).
    mutating func record(lossSum batchLossSum: Double, correct: Int, rows: Int, gradientNorm: Double) {
        lossSum += batchLossSum
        gradientNormSum += gradientNorm
        self.correct += correct
        seen += rows
        iteration += 1
    }

    /// Starts epoch `epoch + 1`: its sums at zero, its generator state remembered.
    mutating func beginEpoch(random: RandomGenerator) {
        iteration = 0
        lossSum = 0
        correct = 0
        seen = 0
        gradientNormSum = 0
        epochRandom = random
    }

    /// Records the monitored value of the epoch just finished (nil without validation:
    /// every epoch then counts as the best and as an improvement); returns whether it is
    /// the new best (strictly better, so the earliest epoch wins a tie).
    mutating func recordMonitor(_ value: Double?, epoch: Int, monitor: Monitor, minDelta: Double) -> Bool {
        guard let value else {
            bestEpoch = epoch
            epochsWithoutImprovement = 0
            return true
        }
        let sign = monitor.higherIsBetter ? 1.0 : -1.0
        let improved = bestValue.map { sign * (value - $0) > 0 } ?? true
        if improved {
            bestValue = value
            bestEpoch = epoch
        }
        if stoppingBest.map({ sign * (value - $0) > minDelta }) ?? true {
            stoppingBest = value
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
        }
        return improved
    }
}

/// Everything besides the weights that `--resume` needs to continue a run exactly: the
/// progress (including the position inside an epoch) and the optimizer's tensors and
/// step count.
///
/// Saved next to `last.safetensors` as `last.state.safetensors` (the optimizer tensors,
/// named like `0.weight.exp_avg`, and the rest in metadata). Doubles are stored as
/// their bit patterns so that a resumed run is bit-identical.
public struct TrainingState: Sendable {
    public static let format = "dnn-training-state/3"
    /// Files of the earlier formats (1: no position inside an epoch; 2: no monitor or
    /// schedule state, best = validation accuracy) still resume.
    static let formats = ["dnn-training-state/1", "dnn-training-state/2", format]

    /// The file name next to a checkpoint named `last.safetensors`.
    public static func path(besides checkpoint: String) -> String {
        let suffix = ".safetensors"
        let stem = checkpoint.hasSuffix(suffix) ? String(checkpoint.dropLast(suffix.count)) : checkpoint
        return stem + ".state.safetensors"
    }

    public var progress: TrainingProgress
    public var stepCount: Int
    /// The dropout generator of each rank of a data-parallel run, in rank order (empty in one process).
    public var rankRandom: [RandomGenerator] = []
    public var optimizerTensors: [(name: String, tensor: SafeTensors.Tensor)]

    public func write(to path: String) throws {
        let p = progress
        var metadata: [String: String] = [
            "format": Self.format,
            "epoch": String(p.epoch),
            "iteration": String(p.iteration),
            "step_count": String(stepCount),
            "learning_rate_bits": String(p.learningRate.bitPattern, radix: 16),
            "random": Self.words(p.random),
            "epoch_random": Self.words(p.epochRandom),
            "loss_sum_bits": String(p.lossSum.bitPattern, radix: 16),
            "correct": String(p.correct),
            "seen": String(p.seen),
            "gradient_norm_sum_bits": String(p.gradientNormSum.bitPattern, radix: 16),
            "best_value_bits": Self.optionalBits(p.bestValue),
            "best_epoch": String(p.bestEpoch),
            "stopping_best_bits": Self.optionalBits(p.stoppingBest),
            "epochs_without_improvement": String(p.epochsWithoutImprovement),
            "plateau_best_bits": String(p.plateau.best.bitPattern, radix: 16),
            "plateau_bad_epochs": String(p.plateau.badEpochs),
            "plateau_cooldown_counter": String(p.plateau.cooldownCounter),
        ]
        if let precision = p.productPrecision { metadata["product_precision"] = precision.rawValue }
        if !rankRandom.isEmpty { metadata["rank_random"] = rankRandom.map(Self.words).joined(separator: ";") }
        try SafeTensors(tensors: optimizerTensors, metadata: metadata).write(to: path)
    }

    /// A Double's bit pattern in hexadecimal, or "none".
    private static func optionalBits(_ value: Double?) -> String {
        value.map { String($0.bitPattern, radix: 16) } ?? "none"
    }

    private static func words(_ random: RandomGenerator) -> String {
        random.stateWords.map { String($0, radix: 16) }.joined(separator: ",")
    }

    /// Reads a state file; every problem is a `.checkpoint` error naming the key.
    public static func read(path: String) throws -> TrainingState {
        let file = try SafeTensors.read(path: path)
        let fields = StateFields(metadata: file.metadata, path: path)
        guard let format = file.metadata["format"], formats.contains(format) else {
            throw DNNError(.checkpoint, at: "\(path): metadata 'format'", "is not '\(Self.format)'")
        }
        var progress = TrainingProgress(learningRate: try fields.bits("learning_rate_bits"),
                                        random: try fields.random("random"))
        progress.epoch = try fields.integer("epoch")
        progress.bestEpoch = try fields.integer("best_epoch")
        progress.epochsWithoutImprovement = try fields.integer("epochs_without_improvement")
        progress.productPrecision = file.metadata["product_precision"].flatMap(Precision.init(rawValue:))
        if format == Self.format {
            progress.bestValue = try fields.optionalBits("best_value_bits")
            progress.stoppingBest = try fields.optionalBits("stopping_best_bits")
            progress.plateau = LearningRateSchedule.PlateauState(best: try fields.bits("plateau_best_bits"))
            progress.plateau.badEpochs = try fields.integer("plateau_bad_epochs")
            progress.plateau.cooldownCounter = try fields.integer("plateau_cooldown_counter")
            progress.gradientNormSum = try fields.bits("gradient_norm_sum_bits")
        } else {
            // Before format 3 the best was the validation accuracy (-1 before the first).
            let accuracy = try fields.bits("best_accuracy_bits")
            progress.bestValue = accuracy < 0 ? nil : accuracy
            progress.stoppingBest = progress.bestValue
        }
        if format != "dnn-training-state/1" {
            progress.iteration = try fields.integer("iteration")
            progress.epochRandom = try fields.random("epoch_random")
            progress.lossSum = try fields.bits("loss_sum_bits")
            progress.correct = try fields.integer("correct")
            progress.seen = try fields.integer("seen")
        } else {
            progress.epochRandom = progress.random
        }
        let rankRandom = try file.metadata["rank_random"].map { list in
            try list.split(separator: ";").enumerated().map { rank, words in
                try StateFields(metadata: ["rank \(rank)": String(words)], path: path).random("rank \(rank)")
            }
        } ?? []
        return TrainingState(progress: progress, stepCount: try fields.integer("step_count"), rankRandom: rankRandom,
                             optimizerTensors: file.tensors)
    }
}

/// Typed reads of a state file's metadata strings.
private struct StateFields {
    let metadata: [String: String]
    let path: String

    func field(_ key: String) throws -> String {
        guard let value = metadata[key] else {
            throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", "is missing")
        }
        return value
    }

    func integer(_ key: String) throws -> Int {
        guard let value = Int(try field(key)), value >= 0 else {
            throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", "is not a non-negative integer")
        }
        return value
    }

    func bits(_ key: String) throws -> Double {
        guard let value = UInt64(try field(key), radix: 16) else {
            throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", "is not a hexadecimal bit pattern")
        }
        return Double(bitPattern: value)
    }

    /// `bits`, or nil for "none".
    func optionalBits(_ key: String) throws -> Double? {
        try field(key) == "none" ? nil : try bits(key)
    }

    func random(_ key: String) throws -> RandomGenerator {
        let words = try field(key).split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard let random = RandomGenerator(state: words) else {
            throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", "is not a generator state of four words")
        }
        return random
    }
}
