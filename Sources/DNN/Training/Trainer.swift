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
    /// Asked between steps: a signal number stops the run there with its state saved
    /// (by default the process's SIGINT or SIGTERM; tests stop at a chosen step).
    public var stopRequest: @Sendable () -> Int32? = { Interruption.requested }

    public init() {}
}

/// The solver: trains a config's network on its data, epoch by epoch, writing metrics
/// and checkpoints into a run directory (Caffe's `Solver`, the course's `Solver`).
///
/// `init` prepares and checks everything (`TrainingSetup`) and writes nothing; `run`
/// then creates the run directory and loops: `trainEpoch` (Caffe's `Step`: shuffle,
/// then `TrainingStep` per batch), `validate` (`TestAll`), and `snapshot` (`last` with
/// the state for `--resume`, `best`). After every epoch the `LearningRateSchedule`
/// (warmup, then `lr_schedule` or `lr_decay`) sets the next epoch's rate. A SIGINT or
/// SIGTERM stops the loop between two steps with a mid-epoch snapshot. Same seed and thread count: the same numbers.
public final class Trainer {
    public let config: Config
    public let options: TrainOptions
    public weak var observer: TrainingObserver?

    private let data: PreparedData
    private let classCount: Int
    private let network: Sequential<Float>
    private let optimizer: any Optimizer<Float>
    private let step: TrainingStep<Float>
    private let schedule: LearningRateSchedule
    private let context: Context
    private let batch: Batch
    /// `data.augment`, applied to training batches only.
    private let augmentation: Augmentation?
    private let runDirectory: RunDirectory
    private let notes: [String]
    private var progress: TrainingProgress
    private var metricsRows: [JSON]
    private var lastMetrics: EpochMetrics?
    /// When the current epoch's training began, and how long its steps took.
    private var epochStart = Date()
    private var trainSeconds = 0.0

    /// Reads the data, builds the network and checks every input, including a
    /// `--resume` checkpoint and the run directory; writes nothing.
    public init(config: Config, options: TrainOptions, observer: TrainingObserver?) throws {
        let setup = try TrainingSetup(config: config, options: options)
        runDirectory = try RunDirectory.plan(options.outDirectory ?? options.resume.map(TrainingSetup.directory(of:)),
                                    name: config.name, reuse: options.force || options.resume != nil)
        self.config = setup.config
        self.options = options
        self.observer = observer
        data = setup.data
        classCount = setup.classCount
        network = setup.network
        optimizer = setup.optimizer
        progress = setup.progress
        metricsRows = setup.metricsRows
        notes = setup.notes
        schedule = setup.schedule
        network.skipInputGradient()
        step = TrainingStep(network: network, optimizer: optimizer, reg: config.solver.reg,
                            clipGradNorm: config.solver.clipGradNorm, loss: self.config.loss)
        context = Context(mode: .training, random: progress.random, compute: Compute(threads: options.threads))
        // A batch never holds more than the whole training set (batch_size may be larger).
        batch = Batch(sampleShape: data.inputShape, capacity: Swift.min(config.solver.batchSize, data.train.count))
        augmentation = Augmentation(config.data.augment, sampleShape: data.inputShape)
    }

    /// Trains up to `solver.epochs`, early stopping, or a signal; see the type's summary.
    public func run() throws -> TrainingSummary {
        let started = Date()
        try runDirectory.create()
        try AtomicFile.write(Array((config.resolvedJSON.serialized(pretty: true) + "\n").utf8), to: runDirectory.configPath)
        observer?.note("run directory: \(runDirectory.path)")
        notes.forEach { observer?.note($0) }
        var stoppedEarly = false
        var interruption: Int32?
        while progress.epoch < config.solver.epochs && !stoppedEarly && interruption == nil {
            if let signal = try trainEpoch() {
                try snapshot(best: false)
                interruption = signal
                break
            }
            stoppedEarly = try finishEpoch()
            interruption = options.stopRequest()
        }
        return TrainingSummary(runDirectory: runDirectory.path, epochsCompleted: progress.epoch, bestEpoch: progress.bestEpoch,
                               monitor: config.solver.monitor,
                               bestValue: data.validation == nil ? nil : progress.bestValue,
                               stoppedEarly: stoppedEarly, seconds: Date().timeIntervalSince(started),
                               lastMetrics: lastMetrics, interruptedBy: interruption,
                               iterationsIntoEpoch: progress.iteration)
    }

    /// The iterations of one epoch, from where the progress stands (a resumed run starts
    /// mid-epoch): the epoch's permutation, then one training step per batch.
    /// - Returns: the signal that stopped the epoch before its end, or nil when it ran through.
    private func trainEpoch() throws -> Int32? {
        let epoch = progress.epoch + 1
        if progress.iteration == 0 { progress.beginEpoch(random: context.random) }
        var shuffler = progress.epochRandom
        let count = data.train.count, size = config.solver.batchSize
        let order = config.solver.shuffle ? shuffler.permutation(count) : Array(0..<count)
        if progress.iteration == 0 { context.random = shuffler }
        let iterations = config.solver.dropLast ? count / size : (count + size - 1) / size
        epochStart = Date()
        defer { trainSeconds = Date().timeIntervalSince(epochStart) }
        while progress.iteration < iterations {
            let start = progress.iteration * size
            batch.fill(from: data.train, indices: order[start..<Swift.min(start + size, count)])
            augmentation?.apply(to: batch.input, random: &context.random)
            let result = step.run(batch.input, labels: batch.labels, context: context)
            guard result.loss.isFinite else {
                throw DNNError(.training, "the loss became \(result.loss.isNaN ? "NaN" : "infinite") at epoch \(epoch), iteration \(progress.iteration + 1) of \(iterations)",
                               hint: "lower solver.optimizer.lr or check the data's normalize setting; checkpoints of earlier epochs in \(runDirectory.path) are untouched")
            }
            progress.record(loss: result.loss, correct: result.correct, rows: batch.input.batchSize,
                            gradientNorm: step.gradientNorm)
            report(epoch: epoch, iterations: iterations)
            guard progress.iteration < iterations else { break }
            if let signal = options.stopRequest() { return signal }
            let every = config.solver.checkpointEvery
            if every > 0 && optimizer.stepCount % every == 0 { try snapshot(best: false) }
        }
        return nil
    }

    private func report(epoch: Int, iterations: Int) {
        guard let observer else { return }
        let elapsed = Date().timeIntervalSince(epochStart)
        let seen = Double(Swift.max(progress.seen, 1))
        observer.iteration(IterationProgress(
            epoch: epoch, totalEpochs: config.solver.epochs, iteration: progress.iteration, iterations: iterations,
            loss: progress.lossSum / seen, accuracy: Double(progress.correct) / seen,
            samplesPerSecond: Double(progress.seen) / Swift.max(elapsed, 1e-9), epochSeconds: elapsed,
            lineDue: config.solver.printEvery > 0 && progress.iteration % config.solver.printEvery == 0))
    }

    /// After an epoch's last step: validation, the metrics row, the best epoch, the
    /// learning rate of the next epoch, the snapshots, and early stopping.
    /// - Returns: whether early stopping ends the run here.
    private func finishEpoch() throws -> Bool {
        let epoch = progress.epoch + 1
        let validation = validate()
        let seen = Double(Swift.max(progress.seen, 1))
        let metrics = EpochMetrics(
            epoch: epoch, trainLoss: progress.lossSum / seen, trainAccuracy: Double(progress.correct) / seen,
            validationLoss: validation?.loss, validationAccuracy: validation?.accuracy,
            learningRate: optimizer.learningRate,
            gradientNorm: progress.gradientNormSum / Double(Swift.max(progress.iteration, 1)),
            seconds: Date().timeIntervalSince(epochStart),
            samplesPerSecond: Double(progress.seen) / Swift.max(trainSeconds, 1e-9))
        lastMetrics = metrics
        metricsRows.append(metrics.json)
        try runDirectory.writeMetrics(metricsRows)
        let monitored = validation?.value(of: config.solver.monitor)
        let improved = progress.recordMonitor(monitored, epoch: epoch, monitor: config.solver.monitor,
                                              minDelta: config.solver.earlyStopping?.minDelta ?? 0)
        optimizer.learningRate = schedule.nextRate(after: epoch, rate: optimizer.learningRate, value: monitored,
                                                   plateau: &progress.plateau)
        progress.learningRate = optimizer.learningRate
        progress.epoch = epoch
        progress.iteration = 0
        try snapshot(best: improved)
        observer?.epochEnded(metrics, totalEpochs: config.solver.epochs)
        guard let patience = config.solver.earlyStopping?.patience, validation != nil,
              progress.epochsWithoutImprovement >= patience, epoch < config.solver.epochs else { return false }
        observer?.note("early stopping: no better \(config.solver.monitor.rawValue) for \(patience) epochs")
        return true
    }

    /// The validation set in evaluation mode, nil without one.
    private func validate() -> Evaluation? {
        data.validation.map {
            Evaluation.run(network, on: $0, classCount: classCount, batchSize: config.solver.batchSize, loss: config.loss,
                           context: context)
        }
    }

    /// Writes `last.safetensors` with its training state (the progress as it stands,
    /// possibly mid-epoch), and `best.safetensors` when `best`.
    private func snapshot(best: Bool) throws {
        progress.random = context.random
        try writeCheckpoint(to: runDirectory.lastCheckpoint)
        try TrainingState(progress: progress, stepCount: optimizer.stepCount,
                          optimizerTensors: optimizer.state.map {
                              ($0.name, SafeTensors.Tensor($0.tensor.array, shape: $0.tensor.shape))
                          }).write(to: runDirectory.lastState)
        if best { try writeCheckpoint(to: runDirectory.bestCheckpoint) }
    }

    private func writeCheckpoint(to path: String) throws {
        try Checkpoint.write(network, configJSON: config.resolvedJSON, classes: data.classes,
                             normalization: data.normalization, epoch: progress.epoch, metrics: lastMetrics?.json,
                             to: path)
    }
}
