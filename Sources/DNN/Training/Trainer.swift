import Foundation

/// Options of `dnn train` that are not part of the config.
public struct TrainOptions: Sendable {
    /// `--out`: the run directory (default: a new folder under `runs/`).
    public var outDirectory: String?
    /// `--resume`: a `last.safetensors` to continue from.
    public var resume: String?
    /// `--threads` (default: every core).
    public var threads: Int = Compute.availableCores
    /// `--force`: replace checkpoints in an existing `--out`.
    public var force = false

    public init() {}
}

/// One row of `metrics.jsonl`.
public struct EpochMetrics: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var learningRate: Double
    public var seconds: Double
    public var samplesPerSecond: Double

    public var json: JSON {
        [
            "epoch": .integer(epoch),
            "train_loss": .number(trainLoss),
            "train_accuracy": .number(trainAccuracy),
            "val_loss": validationLoss.map(JSON.number) ?? .null,
            "val_accuracy": validationAccuracy.map(JSON.number) ?? .null,
            "lr": .number(learningRate),
            "seconds": .number(seconds),
            "samples_per_second": .number(samplesPerSecond),
        ]
    }
}

/// The outcome of a finished run.
public struct TrainingSummary: Sendable {
    public var runDirectory: String
    public var epochsCompleted: Int
    /// The epoch saved as `best.safetensors` and its validation accuracy (nil without validation).
    public var bestEpoch: Int
    public var bestValidationAccuracy: Double?
    public var stoppedEarly: Bool
    public var seconds: Double
    public var lastMetrics: EpochMetrics?
}

/// The solver: trains a config's network on its data, epoch by epoch, writing metrics
/// and checkpoints into a run directory (Caffe's `Solver`, the course's `Solver`).
///
/// Each step: gather a batch (the epoch's permutation drawn from the run's generator),
/// forward in training mode, softmax cross-entropy, backward, add `reg · W` to the
/// gradients of linear and conv weights, one optimizer step. After each epoch: evaluate
/// the validation set, append to `metrics.jsonl`, write `last.safetensors` with the
/// training state for `--resume`, update `best.safetensors`, multiply the learning rate
/// by `lr_decay`, and check early stopping. Same seed and thread count: the same numbers.
public final class Trainer {
    public let config: Config
    public let options: TrainOptions
    public weak var observer: TrainingObserver?

    public init(config: Config, options: TrainOptions, observer: TrainingObserver?) {
        self.config = config
        self.options = options
        self.observer = observer
    }

    public func run() throws -> TrainingSummary {
        let started = Date()
        let solver = config.solver
        var random = RandomGenerator(seed: config.seed)
        // The raw tables go out of scope once encoded: only the datasets stay in memory.
        let (network, classCount, data) = try { () throws -> (Sequential<Float>, Int, PreparedData) in
            let raw = try RawData.load(config)
            let network: Sequential<Float> = try NetworkBuilder.build(config.model.layers, inputShape: raw.inputShape,
                                                                       random: &random)
            let (classCount, lastLayerPath) = try Self.classCount(of: network, config: config)
            let data = try raw.prepare(normalize: config.data.normalize, classCount: classCount,
                                       configPath: lastLayerPath)
            return (network, classCount, data)
        }()
        try checkBatchNormBatches(network, trainCount: data.train.count)
        if let initFrom = solver.initFrom {
            try Checkpoint.load(try SafeTensors.read(path: initFrom), into: network, strict: false, path: initFrom)
        }
        var resolved = config
        resolved.model.inputShape = data.inputShape
        let configJSON = resolved.resolvedJSON

        let run = try RunDirectory.open(options.outDirectory ?? options.resume.map { Self.directory(of: $0) },
                                        name: config.name, reuse: options.force || options.resume != nil)
        try AtomicFile.write(Array((configJSON.serialized(pretty: true) + "\n").utf8), to: run.configPath)
        observer?.note("run directory: \(run.path)")

        let context = Context(mode: .training, random: random, compute: Compute(threads: options.threads))
        let optimizer: any Optimizer<Float> = solver.optimizer.makeOptimizer(for: network.parameters)
        let step = TrainingStep(network: network, optimizer: optimizer, reg: solver.reg)
        let batch = Batch(sampleShape: data.inputShape, capacity: solver.batchSize)

        var startEpoch = 0
        var bestAccuracy = -1.0, bestEpoch = 0, epochsWithoutImprovement = 0
        var metricsRows: [JSON] = []
        if let resume = options.resume {
            let state = try resumeState(from: resume, network: network, optimizer: optimizer)
            startEpoch = state.epoch
            optimizer.learningRate = state.learningRate
            optimizer.stepCount = state.stepCount
            context.random = state.random
            (bestAccuracy, bestEpoch, epochsWithoutImprovement) = (state.bestAccuracy, state.bestEpoch,
                                                                   state.epochsWithoutImprovement)
            metricsRows = try RunDirectory(path: Self.directory(of: resume)).metricsRows(through: startEpoch)
            observer?.note("resuming after epoch \(startEpoch) of \(solver.epochs)")
        } else {
            optimizer.learningRate = solver.optimizer.learningRate
        }

        var lastMetrics: EpochMetrics?
        var stoppedEarly = false
        var epoch = startEpoch
        while epoch < solver.epochs && !stoppedEarly {
            epoch += 1
            let epochStart = Date()
            let order = solver.shuffle ? context.random.permutation(data.train.count) : Array(0..<data.train.count)
            let iterations = solver.dropLast ? data.train.count / solver.batchSize
                : (data.train.count + solver.batchSize - 1) / solver.batchSize
            var lossSum = 0.0, correct = 0, seen = 0
            for iteration in 0..<iterations {
                let start = iteration * solver.batchSize
                batch.fill(from: data.train, indices: order[start..<Swift.min(start + solver.batchSize, order.count)])
                let result = step.run(batch.input, labels: batch.labels, context: context)
                guard result.loss.isFinite else {
                    throw DNNError(.training, "the loss became \(result.loss.isNaN ? "NaN" : "infinite") at epoch \(epoch), iteration \(iteration + 1) of \(iterations)",
                                   hint: "lower solver.optimizer.lr or check the data's normalize setting; checkpoints of earlier epochs in \(run.path) are untouched")
                }
                let n = batch.input.batchSize
                lossSum += result.loss * Double(n)
                correct += result.correct
                seen += n
                if let observer {
                    let elapsed = Date().timeIntervalSince(epochStart)
                    observer.iteration(IterationProgress(
                        epoch: epoch, totalEpochs: solver.epochs, iteration: iteration + 1, iterations: iterations,
                        loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                        samplesPerSecond: Double(seen) / Swift.max(elapsed, 1e-9), epochSeconds: elapsed,
                        lineDue: solver.printEvery > 0 && (iteration + 1) % solver.printEvery == 0))
                }
            }
            let trainSeconds = Date().timeIntervalSince(epochStart)
            let validation = data.validation.map {
                Evaluation.run(network, on: $0, classCount: classCount, batchSize: solver.batchSize, context: context)
            }
            let metrics = EpochMetrics(
                epoch: epoch, trainLoss: lossSum / Double(Swift.max(seen, 1)),
                trainAccuracy: Double(correct) / Double(Swift.max(seen, 1)),
                validationLoss: validation?.loss, validationAccuracy: validation?.accuracy,
                learningRate: optimizer.learningRate, seconds: Date().timeIntervalSince(epochStart),
                samplesPerSecond: Double(seen) / Swift.max(trainSeconds, 1e-9))
            lastMetrics = metrics
            metricsRows.append(metrics.json)
            try run.writeMetrics(metricsRows)

            // best: the highest validation accuracy, earliest on ties; the last epoch without validation.
            let improved = validation.map { $0.accuracy > bestAccuracy } ?? true
            if improved {
                bestAccuracy = validation?.accuracy ?? bestAccuracy
                bestEpoch = epoch
                epochsWithoutImprovement = 0
            } else {
                epochsWithoutImprovement += 1
            }
            optimizer.learningRate *= solver.lrDecay
            try Checkpoint.write(network, configJSON: configJSON, classes: data.classes,
                                 normalization: data.normalization, epoch: epoch, metrics: metrics.json,
                                 to: run.lastCheckpoint)
            try TrainingState(epoch: epoch, stepCount: optimizer.stepCount, learningRate: optimizer.learningRate,
                              random: context.random, bestAccuracy: bestAccuracy, bestEpoch: bestEpoch,
                              epochsWithoutImprovement: epochsWithoutImprovement,
                              optimizerTensors: optimizer.state.map {
                                  ($0.name, SafeTensors.Tensor($0.tensor.array, shape: $0.tensor.shape))
                              }).write(to: run.lastState)
            if improved {
                try Checkpoint.write(network, configJSON: configJSON, classes: data.classes,
                                     normalization: data.normalization, epoch: epoch, metrics: metrics.json,
                                     to: run.bestCheckpoint)
            }
            observer?.epochEnded(metrics, totalEpochs: solver.epochs)
            if let patience = solver.earlyStopping?.patience, validation != nil,
               epochsWithoutImprovement >= patience, epoch < solver.epochs {
                observer?.note("early stopping: no better validation accuracy for \(patience) epochs")
                stoppedEarly = true
            }
        }
        return TrainingSummary(runDirectory: run.path, epochsCompleted: epoch, bestEpoch: bestEpoch,
                               bestValidationAccuracy: data.validation == nil ? nil : bestAccuracy,
                               stoppedEarly: stoppedEarly, seconds: Date().timeIntervalSince(started),
                               lastMetrics: lastMetrics)
    }

    /// The number of classes the network's last layer scores, and that layer's config path.
    static func classCount(of network: Sequential<Float>, config: Config) throws -> (Int, String) {
        let lastIndex = config.model.layers.count - 1
        let path = "model.layers[\(lastIndex)]"
        guard network.outputShape.count == 1 else {
            throw DNNError.config(path, "the network outputs \(NetworkBuilder.describe(network.outputShape)) per sample, but the loss needs one score per class",
                                  hint: "end the model with flatten and a linear layer whose out is the number of classes")
        }
        if case .linear = config.model.layers[lastIndex] { return (network.outputShape[0], path + ".out") }
        return (network.outputShape[0], path)
    }

    /// A training batch of one sample cannot be batch-normalised (PyTorch refuses it too).
    private func checkBatchNormBatches(_ network: Sequential<Float>, trainCount: Int) throws {
        guard Self.containsBatchNorm(network) else { return }
        let size = config.solver.batchSize
        let remainder = trainCount % size
        if size == 1 || trainCount == 1 {
            throw DNNError.config("solver.batch_size", "a training batch of one sample cannot go through batchnorm",
                                  hint: "use a batch_size of at least 2")
        }
        if remainder == 1 && !config.solver.dropLast {
            throw DNNError.config("solver.drop_last",
                                  "the last training batch of each epoch would hold one sample (\(trainCount) samples, batch_size \(size)), which batchnorm cannot normalise",
                                  hint: "set solver.drop_last to true, or change batch_size")
        }
    }

    private static func containsBatchNorm(_ layer: any Layer<Float>) -> Bool {
        switch layer {
        case is BatchNorm<Float>: true
        case let sequential as Sequential<Float>: sequential.layers.contains { containsBatchNorm($0) }
        case let residual as Residual<Float>: containsBatchNorm(residual.body) || containsBatchNorm(residual.shortcut)
        default: false
        }
    }

    private static func directory(of checkpoint: String) -> String {
        let directory = (checkpoint as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// Loads the weights and training state of `checkpoint` for `--resume`.
    private func resumeState(from checkpoint: String, network: Sequential<Float>,
                             optimizer: any Optimizer<Float>) throws -> TrainingState {
        let saved = try Checkpoint.read(path: checkpoint)
        guard saved.config.model.layers == config.model.layers else {
            throw DNNError(.usage, at: "--resume \(checkpoint)", "was trained with different model.layers than this config",
                           hint: "resume with the config of that run: \(Self.directory(of: checkpoint))/config.json")
        }
        try Checkpoint.load(saved.tensors, into: network, strict: true, path: checkpoint)
        let statePath = TrainingState.path(besides: checkpoint)
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw DNNError(.usage, at: "--resume \(checkpoint)", "has no training state next to it (\(statePath))",
                           hint: "resume from the run's last.safetensors")
        }
        let state = try TrainingState.read(path: statePath)
        guard state.epoch == saved.epoch else {
            throw DNNError(.usage, at: "--resume \(checkpoint)",
                           "is epoch \(saved.epoch) but the training state next to it is epoch \(state.epoch)",
                           hint: "resume from the run's last.safetensors")
        }
        guard state.epoch < config.solver.epochs else {
            throw DNNError(.usage, at: "--resume \(checkpoint)",
                           "already completed \(state.epoch) epochs, and the run is set to \(config.solver.epochs)",
                           hint: "pass --epochs with a larger total")
        }
        let tensors = Dictionary(state.optimizerTensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in optimizer.state {
            guard let saved = tensors[name], saved.shape == tensor.shape else {
                throw DNNError(.checkpoint, at: "\(statePath): tensor '\(name)'", "is missing or has the wrong shape",
                               hint: "the training state belongs to a different optimizer")
            }
            let values: [Float] = try saved.values(as: Float.self, name: name, file: statePath)
            for (index, value) in values.enumerated() { tensor.data[index] = value }
        }
        return state
    }
}
