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
    /// The data-parallel side of the run; nil in one process.
    private let parallel: DataParallel?
    /// With `data.shard`, the iterations of an epoch, agreed by the ranks at the start of `run`.
    private var shardIterations = 0
    /// Whether this process writes the run directory and reports (rank 0).
    private var isPrimary: Bool { parallel?.communicator.isPrimary ?? true }

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
        context.compute.productPrecision = config.solver.precision.effective
        // A batch never holds more than the whole training set (batch_size may be larger).
        batch = Batch(sampleShape: data.inputShape, capacity: Swift.min(config.solver.batchSize, data.train.count),
                      targetCount: data.train.targetCount, labelsPerSample: data.train.labelsPerSample)
        augmentation = Augmentation(config.data.augment, sampleShape: data.inputShape)
        let communicator = options.communicator
        guard communicator.size > 1 else {
            parallel = nil
            return
        }
        parallel = DataParallel(communicator: communicator, network: network, objective: step.objective)
        context.random = setup.rankRandom.count == communicator.size ? setup.rankRandom[communicator.rank]
            : DataParallel.dropoutRandom(seed: config.seed, rank: communicator.rank)
    }

    /// For a data-parallel run, a collective that every rank calls once its own setup
    /// succeeded: throws on every rank unless all run the same config and `dnn` version.
    public func checkRanksAgree() throws {
        try parallel?.checkSameConfig(config)
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
        if let parallel, config.data.shard {
            let local = localBatchSize, count = data.train.count
            let iterations = config.solver.dropLast ? count / local : (count + local - 1) / local
            shardIterations = Int(parallel.communicator.maximized([Double(iterations)])[0])
        }
        var stoppedEarly = false
        var interruption: Int32?
        while progress.epoch < config.solver.epochs && !stoppedEarly && interruption == nil {
            if let signal = try trainEpoch() {
                try snapshot(best: false)
                interruption = signal
                break
            }
            stoppedEarly = try finishEpoch()
            interruption = agreedStop()
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
        // One process draws shuffles and dropout masks from one generator; the ranks of a
        // data-parallel run share the shuffle (progress.random) and keep their own masks.
        if progress.iteration == 0 { progress.beginEpoch(random: parallel == nil ? context.random : progress.random) }
        var shuffler = progress.epochRandom
        let count = data.train.count, size = localBatchSize, sharded = config.data.shard && parallel != nil
        let order = config.solver.shuffle ? shuffler.permutation(count) : Array(0..<count)
        if progress.iteration == 0 {
            if parallel == nil { context.random = shuffler } else { progress.random = shuffler }
        }
        let iterations = sharded ? shardIterations
            : config.solver.dropLast ? count / size : (count + size - 1) / size
        epochStart = Date()
        defer { trainSeconds = Date().timeIntervalSince(epochStart) }
        while progress.iteration < iterations {
            var mine = Swift.min(progress.iteration * size, count)..<Swift.min((progress.iteration + 1) * size, count)
            var globalRows = mine.count
            let batchRows = order[mine]
            if let parallel {
                if sharded {
                    globalRows = Int(parallel.communicator.summed([Double(mine.count)])[0])
                } else {
                    mine = parallel.communicator.share(of: mine)
                }
            }
            let totals = trainStep(order[mine], globalRows: globalRows, batch: batchRows)
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

    /// One training step on this process's `rows` of a global batch of `globalRows` (`batch`:
    /// its rows, when every rank holds them all); the batch's numbers and any stop signal,
    /// agreed on by every rank.
    private func trainStep(_ rows: ArraySlice<Int>, globalRows: Int, batch batchRows: ArraySlice<Int>)
        -> (lossSum: Double, correct: Int, rows: Int, signal: Int32?) {
        var lossSum = 0.0, correct = 0
        let batchWeightSum = batchClassWeightSum(rows, batch: batchRows)
        if rows.isEmpty {
            step.skip(context: context)
        } else {
            batch.fill(from: data.train, indices: rows)
            augmentation?.apply(to: batch.input, random: &context.random)
            // A rank's gradient counts by its rows' share of the batch; with class weights
            // the loss itself divides by the whole batch's weight sum instead.
            parallel?.reducer.weight = batchWeightSum == nil ? Double(rows.count) / Double(globalRows) : 1
            step.objective.divideByBatchWeightSum(batchWeightSum)
            let result = step.run(batch.input, targets: batch.targets, context: context)
            step.objective.divideByBatchWeightSum(nil)
            // Summed over the ranks, this is the batch's loss times its rows, as in one
            // process (with class weights each rank's loss is its part of the batch's).
            lossSum = result.loss * Double(batchWeightSum == nil ? rows.count : globalRows)
            correct = result.correct
        }
        let signal = options.stopRequest()
        guard let parallel else { return (lossSum, correct, rows.count, signal) }
        return parallel.agree(lossSum: lossSum, correct: correct, rows: rows.count, signal: signal)
    }

    /// With class weights in a data-parallel run, the class-weight sum of the whole batch,
    /// which PyTorch's weighted mean divides by (so a rank's rows count by their weights,
    /// not their number); nil otherwise. Under `data.shard` only this rank holds its rows'
    /// labels, so the sum is a collective (every rank calls this every step).
    private func batchClassWeightSum(_ rows: ArraySlice<Int>, batch: ArraySlice<Int>) -> Double? {
        guard let parallel, let weights = config.loss.weightList, !data.train.isRegression else { return nil }
        // As the loss sums them: each weight rounded to Float, added in Double, in batch order.
        let labels = data.train.labels
        func weightSum(_ indices: ArraySlice<Int>) -> Double {
            indices.reduce(0) { $0 + Double(Float(weights[Int(labels[$1])])) }
        }
        return config.data.shard ? parallel.communicator.summed([weightSum(rows)])[0] : weightSum(batch)
    }

    /// A stop signal at an epoch's end: in a data-parallel run, the largest any rank
    /// received, so that no rank goes on alone.
    private func agreedStop() -> Int32? {
        let signal = options.stopRequest()
        guard let parallel else { return signal }
        let agreed = Int32(parallel.communicator.maximized([Double(signal ?? 0)])[0])
        return agreed == 0 ? nil : agreed
    }

    /// Rows per step on this process: the batch, or with `data.shard` this rank's share of it.
    private var localBatchSize: Int {
        guard let parallel, config.data.shard else { return config.solver.batchSize }
        return Swift.max(1, parallel.communicator.share(of: 0..<config.solver.batchSize).count)
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
        parallel?.synchronizeBuffers(network)
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
            ranks: parallel?.communicator.size ?? 1, allreduceSeconds: parallel?.reducer.takeWaitSeconds() ?? 0)
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
        if let parallel {
            return parallel.evaluate(network, on: validation, isShare: config.data.shard, classCount: classCount,
                                     batchSize: config.solver.batchSize, loss: config.loss,
                                     targetNormalization: data.targetNormalization, context: context)
        }
        return Evaluation.run(network, on: validation, classCount: classCount, batchSize: config.solver.batchSize,
                              loss: config.loss, targetNormalization: data.targetNormalization, context: context)
    }

    /// Writes `last.safetensors` with its training state (the progress as it stands,
    /// possibly mid-epoch), and `best.safetensors` when `best`.
    private func snapshot(best: Bool) throws {
        var rankRandom: [RandomGenerator] = []
        if let parallel {
            // At an epoch's end finishEpoch has sent rank 0's buffers already.
            if progress.iteration > 0 { parallel.synchronizeBuffers(network) }
            rankRandom = parallel.gatherRandom(context.random)
        } else {
            progress.random = context.random
        }
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
                             epoch: progress.epoch, metrics: lastMetrics?.json,
                             to: path)
    }
}
