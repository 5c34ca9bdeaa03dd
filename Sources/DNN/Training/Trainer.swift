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
    /// The ranks of a data-parallel run (`mpirun`); one process by default.
    public var communicator: any Communicator = SingleProcess()

    public init() {}
}

/// The solver: trains a config's network on its data, epoch by epoch, writing metrics
/// and checkpoints into a run directory (Caffe's `Solver`, the course's `Solver`).
///
/// `init` has `TrainingSetup` prepare and check everything, writing nothing; `run` then
/// creates the run directory and loops: `trainEpoch` (Caffe's `Step`: the epoch's order,
/// then `TrainingStep` per batch), `validate` (`TestAll`), and `snapshot` (`last` with the
/// state for `--resume`, `best`). After every epoch the `LearningRateSchedule` (warmup,
/// then `lr_schedule` or `lr_decay`) sets the next epoch's rate. A SIGINT or SIGTERM stops
/// the loop between two steps with a mid-epoch snapshot. Same seed and thread count: the
/// same numbers. One process or many ranks, the loop is the same: every collective goes
/// through `parallel` and every batch's rows through `planner`.
public final class Trainer {
    /// The config as the run resolved it (input shape from the data, class weights as a list).
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
    /// The ranks of the run, one or many.
    private let parallel: DataParallel
    /// This rank's rows of every batch.
    private let planner: BatchPlanner
    /// Whether this process writes the run directory and reports (rank 0).
    private var isPrimary: Bool { parallel.communicator.isPrimary }

    /// Reads the data, builds the network and checks every input, including a
    /// `--resume` checkpoint and the run directory (`TrainingSetup`); writes nothing.
    public convenience init(config: Config, options: TrainOptions, observer: TrainingObserver?) throws {
        self.init(setup: try TrainingSetup(config: config, options: options), options: options, observer: observer)
    }

    init(setup: TrainingSetup, options: TrainOptions, observer: TrainingObserver?) {
        config = setup.config
        self.options = options
        self.observer = observer
        data = setup.data
        classCount = setup.classCount
        network = setup.network
        optimizer = setup.optimizer
        step = setup.step
        schedule = setup.schedule
        context = setup.context
        batch = setup.batch
        augmentation = setup.augmentation
        runDirectory = setup.runDirectory
        notes = setup.notes
        progress = setup.progress
        metricsRows = setup.metricsRows
        parallel = setup.parallel
        planner = setup.planner
    }

    /// A collective that every rank calls once its own setup succeeded: throws on every
    /// rank unless all run the same config and `dnn` version.
    public func checkRanksAgree() throws {
        try parallel.checkSameConfig(config)
    }

    /// Trains up to `solver.epochs`, early stopping, or a signal; see the type's summary.
    public func run() throws -> TrainingSummary {
        let started = Date()
        if isPrimary {
            try runDirectory.create()
            try AtomicFile.write(Array((config.resolvedJSON.serialized(pretty: true) + "\n").utf8),
                                 to: runDirectory.configPath)
            observer?.note("run directory: \(runDirectory.path)")
            notes.forEach { observer?.note($0) }
        }
        planner.agreeOnIterations()
        var stoppedEarly = false
        var interruption: Int32?
        while progress.epoch < config.solver.epochs && !stoppedEarly && interruption == nil {
            if let signal = try trainEpoch() {
                try snapshot(best: false)
                interruption = signal
                break
            }
            stoppedEarly = try finishEpoch()
            interruption = parallel.agreed(signal: options.stopRequest())
        }
        return TrainingSummary(runDirectory: runDirectory.path, epochsCompleted: progress.epoch, bestEpoch: progress.bestEpoch,
                               monitor: config.solver.monitor,
                               bestValue: data.validation == nil ? nil : progress.bestValue,
                               stoppedEarly: stoppedEarly, seconds: Date().timeIntervalSince(started),
                               lastMetrics: lastMetrics, interruptedBy: interruption,
                               iterationsIntoEpoch: progress.iteration)
    }

    /// The iterations of one epoch, from where the progress stands (a resumed run starts
    /// mid-epoch): the epoch's order, then one training step per batch.
    /// - Returns: the signal that stopped the epoch before its end, or nil when it ran through.
    private func trainEpoch() throws -> Int32? {
        let epoch = progress.epoch + 1
        let order = planner.epochOrder(progress: &progress, dropout: &context.random)
        let iterations = planner.iterations
        epochStart = Date()
        defer { trainSeconds = Date().timeIntervalSince(epochStart) }
        while progress.iteration < iterations {
            let totals = trainStep(planner.batch(progress.iteration, of: order))
            guard totals.lossSum.isFinite else {
                let loss = totals.lossSum.isNaN ? "NaN" : "infinite"
                throw DNNError(.training, "the loss became \(loss) at epoch \(epoch), iteration \(progress.iteration + 1) of \(iterations)",
                               hint: "lower solver.optimizer.lr or check the data's normalize setting; checkpoints of earlier epochs in \(runDirectory.path) are untouched")
            }
            progress.record(lossSum: totals.lossSum, correct: totals.correct, rows: totals.rows,
                            gradientNorm: step.gradientNorm)
            if isPrimary { report(epoch: epoch, iterations: iterations) }
            guard progress.iteration < iterations else { break }
            if let signal = totals.signal { return signal }
            let every = config.solver.checkpointEvery
            if every > 0 && optimizer.stepCount % every == 0 { try snapshot(best: false) }
        }
        return nil
    }

    /// One training step on this process's rows of a batch; the batch's numbers and any
    /// stop signal, agreed on by every rank.
    private func trainStep(_ planned: PlannedBatch) -> (lossSum: Double, correct: Int, rows: Int, signal: Int32?) {
        var lossSum = 0.0, correct = 0
        if planned.rows.isEmpty {
            step.skip(context: context)
        } else {
            batch.fill(from: data.train, indices: planned.rows)
            augmentation?.apply(to: batch.input, random: &context.random)
            let result = step.run(batch.input, targets: batch.targets, context: context, share: planned.share)
            lossSum = planned.lossSum(meanLoss: result.loss)
            correct = result.correct
        }
        return parallel.agree(lossSum: lossSum, correct: correct, rows: planned.rows.count, signal: options.stopRequest())
    }

    /// The predictions scored so far this epoch: samples, times T for per-position targets.
    private var scored: Double { Double(Swift.max(progress.seen, 1) * data.train.labelsPerSample) }

    private func report(epoch: Int, iterations: Int) {
        guard let observer else { return }
        let elapsed = Date().timeIntervalSince(epochStart)
        let seen = Double(Swift.max(progress.seen, 1))
        observer.iteration(IterationProgress(
            epoch: epoch, totalEpochs: config.solver.epochs, iteration: progress.iteration, iterations: iterations,
            loss: progress.lossSum / seen, accuracy: config.loss.isRegression ? nil : Double(progress.correct) / scored,
            samplesPerSecond: Double(progress.seen) / Swift.max(elapsed, 1e-9), epochSeconds: elapsed,
            lineDue: config.solver.printEvery > 0 && progress.iteration % config.solver.printEvery == 0))
    }

    /// After an epoch's last step: validation, the metrics row, the best epoch, the
    /// learning rate of the next epoch, the snapshots, and early stopping.
    /// - Returns: whether early stopping ends the run here.
    private func finishEpoch() throws -> Bool {
        let epoch = progress.epoch + 1
        // Rank 0's running statistics on every rank, once, for validation and the snapshots.
        parallel.synchronizeBuffers(network)
        let validation = validate()
        let seen = Double(Swift.max(progress.seen, 1))
        let regression = config.loss.isRegression
        var metrics = EpochMetrics(
            epoch: epoch, trainLoss: progress.lossSum / seen,
            trainAccuracy: regression ? nil : Double(progress.correct) / scored,
            validationLoss: validation?.loss, validationAccuracy: regression ? nil : validation?.accuracy,
            learningRate: optimizer.learningRate,
            gradientNorm: progress.gradientNormSum / Double(Swift.max(progress.iteration, 1)),
            seconds: Date().timeIntervalSince(epochStart),
            samplesPerSecond: Double(progress.seen) / Swift.max(trainSeconds, 1e-9),
            ranks: parallel.communicator.size, allreduceSeconds: parallel.reducer.takeWaitSeconds())
        metrics.isRegression = regression
        metrics.isByteModel = config.data.train.isText
        metrics.validationErrors = validation?.regression
        metrics.monitor = config.solver.monitor
        let monitored = metrics.monitoredValue
        lastMetrics = metrics
        metricsRows.append(metrics.json)
        if isPrimary { try runDirectory.writeMetrics(metricsRows) }
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
        guard let validation = data.validation else { return nil }
        return parallel.evaluate(network, on: validation, isShare: planner.isShard, classCount: classCount,
                                 batchSize: config.solver.batchSize, loss: config.loss,
                                 targetNormalization: data.targetNormalization, context: context)
    }

    /// Writes `last.safetensors` with its training state (the progress as it stands,
    /// possibly mid-epoch), and `best.safetensors` when `best`.
    private func snapshot(best: Bool) throws {
        // At an epoch's end finishEpoch has sent rank 0's buffers already.
        if progress.iteration > 0 { parallel.synchronizeBuffers(network) }
        let rankRandom = parallel.generatorsToSave(&progress, dropout: context.random)
        optimizer.gatherState()
        guard isPrimary else { return }
        try writeCheckpoint(to: runDirectory.lastCheckpoint)
        try TrainingState(progress: progress, stepCount: optimizer.stepCount, rankRandom: rankRandom,
                          optimizerTensors: optimizer.state.map {
                              ($0.name, SafeTensors.Tensor($0.tensor.array, shape: $0.tensor.shape))
                          }).write(to: runDirectory.lastState)
        if best { try writeCheckpoint(to: runDirectory.bestCheckpoint) }
    }

    private func writeCheckpoint(to path: String) throws {
        try Checkpoint.write(network, configJSON: config.resolvedJSON, classes: data.classes,
                             normalization: data.normalization, targetNormalization: data.targetNormalization,
                             encoding: data.encoding, epoch: progress.epoch, metrics: lastMetrics?.json,
                             to: path)
    }
}
