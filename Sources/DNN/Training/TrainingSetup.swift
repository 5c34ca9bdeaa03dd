import Foundation

/// Everything a run needs, made and checked without writing a byte: the data, the
/// network (with `init_from` or a resumed checkpoint loaded), the optimizer, the training
/// step with its objective, the batch buffers, the augmentation, the seam for ranks
/// (`DataParallel`, `BatchPlanner`), the progress to start from and the run directory's
/// plan. A bad input throws here, so a refused command leaves the run directory as it
/// was; `Trainer` only runs what this built.
struct TrainingSetup {
    /// The config as this run resolves it (`model.input_shape` from the data, class
    /// weights as a list): the one config a run uses, and what its `config.json` records.
    var config: Config
    var data: PreparedData
    var classCount: Int
    var network: Sequential<Float>
    var optimizer: any Optimizer<Float>
    /// The objective, gradient clipping and optimizer step of one batch.
    var step: TrainingStep<Float>
    var progress: TrainingProgress
    /// The learning rate of every epoch.
    var schedule: LearningRateSchedule
    /// `metrics.jsonl` rows of the epochs a resumed run already completed.
    var metricsRows: [JSON]
    /// Notes for the user (data warnings, where a resumed run continues).
    var notes: [String]
    /// Training mode, this process's dropout generator, its threads and product precision.
    var context: Context
    /// The buffers a training batch is copied into; never more rows than the training set.
    var batch: Batch
    /// `data.augment`, applied to training batches only.
    var augmentation: Augmentation?
    /// Where the run writes (created by `Trainer.run`, not here).
    var runDirectory: RunDirectory
    /// The ranks of the run (one process: a `SingleProcess` communicator).
    var parallel: DataParallel
    /// This rank's rows of every batch.
    var planner: BatchPlanner

    init(config given: Config, options: TrainOptions) throws {
        var random = RandomGenerator(seed: given.seed)
        let loaded = try Self.loadData(given, communicator: options.communicator, random: &random)
        config = loaded.config
        data = loaded.data
        classCount = loaded.classCount
        network = loaded.network
        notes = loaded.notes
        try Self.checkBatchNormBatches(config, trainCount: data.train.count)
        if config.data.augment != nil && data.inputShape.count != 3 {
            throw DNNError.config("data.augment", "needs image inputs [channels, height, width], but a sample is \(data.inputShape)",
                                  hint: "remove data.augment, or give model.input_shape, e.g. [1, 28, 28]")
        }
        if let initFrom = config.solver.initFrom {
            try Checkpoint.load(try SafeTensors.read(path: initFrom), into: network, strict: false, path: initFrom)
        }
        schedule = try Self.schedule(config, hasValidation: data.validation != nil)
        optimizer = config.solver.optimizer.makeOptimizer(for: network.parameters)
        optimizer.learningRate = schedule.firstRate
        progress = TrainingProgress(learningRate: schedule.firstRate, random: random)
        progress.plateau = schedule.initialPlateau
        metricsRows = []
        var savedRankRandom: [RandomGenerator] = []
        if let resume = options.resume {
            let restored = try Self.restore(from: resume, config: config, network: network, optimizer: optimizer)
            (progress, savedRankRandom, metricsRows) = (restored.progress, restored.rankRandom, restored.metricsRows)
            notes.append(restored.note)
        }
        runDirectory = try RunDirectory.plan(options.outDirectory ?? options.resume.map(Self.directory(of:)),
                                             name: config.name, reuse: options.force || options.resume != nil)
        network.skipInputGradient()
        context = Context(mode: .training, random: progress.random, compute: Compute(threads: options.threads))
        let precision = try Self.precision(config, inputShape: data.inputShape, resumed: progress.productPrecision,
                                           batchRows: data.train.count, threads: options.threads)
        progress.productPrecision = config.solver.precision == .auto ? precision.precision : nil
        notes += precision.note.map { [$0] } ?? []
        context.compute.productPrecision = precision.precision
        batch = Batch(sampleShape: data.inputShape, capacity: Swift.min(config.solver.batchSize, data.train.count),
                      targetCount: data.train.targetCount, labelsPerSample: data.train.labelsPerSample)
        augmentation = Augmentation(config.data.augment, sampleShape: data.inputShape)
        parallel = DataParallel(communicator: options.communicator, network: network)
        optimizer = parallel.optimizer(optimizer)
        step = TrainingStep(network: network, optimizer: optimizer, reg: config.solver.reg,
                            clipGradNorm: config.solver.clipGradNorm, loss: config.loss)
        parallel.sumGradients(of: step.objective)
        context.random = parallel.dropoutRandom(progress: progress, saved: savedRankRandom, seed: config.seed)
        planner = BatchPlanner(communicator: options.communicator, train: data.train, isShard: loaded.isShard,
                               solver: config.solver, loss: config.loss)
    }

    /// The data and the network, read and built from `given` and checked against each
    /// other, and the config they resolve (input shape, class weights).
    private static func loadData(_ given: Config, communicator: any Communicator, random: inout RandomGenerator) throws
        -> (config: Config, data: PreparedData, classCount: Int, network: Sequential<Float>, notes: [String], isShard: Bool) {
        // The raw tables go out of scope once encoded: only the datasets stay in memory.
        let isShard = given.data.shard && communicator.size > 1
        let raw = isShard ? try RawData.loadShard(given, rank: communicator.rank, ranks: communicator.size)
            : try RawData.load(given)
        let memory = MemoryPlan(batchSize: Swift.min(given.solver.batchSize, raw.train.rows))
        memory.dataBytes = raw.bytes
        let network: Sequential<Float> = try NetworkBuilder.build(given.model.layers, inputShape: raw.inputShape,
                                                                   random: &random, memory: memory)
        let (classCount, lastLayerPath) = try Self.classCount(of: network, config: given)
        let warnings = raw.warnings, trainFile = raw.trainFile, shard = raw.shard
        var data = try (consume raw).prepare(given, outputCount: classCount, configPath: lastLayerPath)
        for dataset in [data.train, data.validation, data.test].compactMap({ $0 }) {
            try network.checkTokenIds(dataset, file: trainFile)
        }
        // data.test was read and encoded above, so a bad test file fails before the first
        // step; training never scores it (`dnn eval` does), so its rows are not kept.
        data.test = nil
        let notes = warnings.map { "dnn: warning: \($0)" }
        // Balanced class weights count every training row, the other ranks' too under data.shard.
        let classes = data.classes
        let trainLabels = try shard.flatMap { shard in given.loss.isRegression ? nil : shard }.map { shard in
            try classes.encode(shard.trainLabels.labels ?? [], file: trainFile, lineNumbers: shard.trainLabels.lineNumbers)
        }
        let config = try given.withInputShape(data.inputShape)
            .resolvingClassWeights(labels: trainLabels ?? data.train.labels, classCount: classCount, classNames: data.classes.names)
        return (config, data, classCount, network, notes, isShard)
    }

    /// The run's schedule; `plateau` needs a validation set to follow.
    private static func schedule(_ config: Config, hasValidation: Bool) throws -> LearningRateSchedule {
        let schedule = LearningRateSchedule(solver: config.solver)
        if schedule.needsMonitor && !hasValidation {
            throw DNNError.config("solver.lr_schedule", "plateau follows solver.monitor (\(config.solver.monitor.rawValue)), which needs validation data",
                                  hint: "add data.validation, e.g. {\"split\": 0.1}, or choose another schedule type")
        }
        return schedule
    }

    /// The number of classes the network's last layer scores, and that layer's config path.
    static func classCount(of network: Sequential<Float>, config: Config) throws -> (Int, String) {
        let lastIndex = config.model.layers.count - 1
        let path = "model.layers[\(lastIndex)]"
        // A language model scores every position: [T, 256] on a text of context T.
        if case .text(_, let context, _) = config.data.train, network.outputShape.count == 2,
           network.outputShape[0] == context {
            return (network.outputShape[1], config.model.layers[lastIndex].type == .linear ? path + ".out" : path)
        }
        guard network.outputShape.count == 1 else {
            let unit = config.loss.isRegression ? "one value per target column" : "one score per class"
            throw DNNError.config(path, "the network outputs \(NetworkBuilder.describe(network.outputShape)) per sample, but the loss needs \(unit)",
                                  hint: "end the model with flatten and a linear layer whose out is the number of \(config.loss.isRegression ? "targets" : "classes")")
        }
        if case .linear = config.model.layers[lastIndex] { return (network.outputShape[0], path + ".out") }
        return (network.outputShape[0], path)
    }

    /// A training batch of one sample cannot be batch-normalised (PyTorch refuses it too).
    private static func checkBatchNormBatches(_ config: Config, trainCount: Int) throws {
        guard config.model.layers.flatMap(\.allSpecs).contains(where: { $0.type == .batchnorm }) else { return }
        let size = config.solver.batchSize
        if size == 1 || trainCount == 1 {
            throw DNNError.config("solver.batch_size", "a training batch of one sample cannot go through batchnorm",
                                  hint: "use a batch_size of at least 2")
        }
        if trainCount % size == 1 && !config.solver.dropLast {
            throw DNNError.config("solver.drop_last",
                                  "the last training batch of each epoch would hold one sample (\(trainCount) samples, batch_size \(size)), which batchnorm cannot normalise",
                                  hint: "set solver.drop_last to true, or change batch_size")
        }
    }

    /// The folder of a checkpoint file.
    static func directory(of checkpoint: String) -> String {
        let directory = (checkpoint as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// `solver.precision` resolved for this machine and network (`PrecisionChoice`): `auto`
    /// and `bf16` time a step of the network in both precisions, unless the run being
    /// resumed already chose.
    private static func precision(_ config: Config, inputShape: [Int], resumed: Precision?, batchRows: Int,
                                  threads: Int) throws -> PrecisionChoice {
        if config.solver.precision == .auto, let resumed {
            return PrecisionChoice(precision: resumed, note: "dnn: precision auto: \(resumed.rawValue) (as the run chose at its start)")
        }
        return try PrecisionChoice.resolve(config.solver.precision) {
            try Benchmark.precisionTiming(layers: config.model.layers, inputShape: inputShape,
                                          batchSize: Swift.max(1, Swift.min(config.solver.batchSize, batchRows)),
                                          threads: threads)
        }
    }

    /// Loads the weights and optimizer tensors of `checkpoint` for `--resume`, and returns
    /// its progress, its ranks' dropout generators, its metrics rows and a note saying
    /// where the run continues.
    private static func restore(from checkpoint: String, config: Config, network: Sequential<Float>,
                                optimizer: any Optimizer<Float>) throws
        -> (progress: TrainingProgress, rankRandom: [RandomGenerator], metricsRows: [JSON], note: String) {
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
        guard state.progress.epoch == saved.epoch else {
            throw DNNError(.usage, at: "--resume \(checkpoint)",
                           "is epoch \(saved.epoch) but the training state next to it is epoch \(state.progress.epoch)",
                           hint: "resume from the run's last.safetensors")
        }
        guard state.progress.epoch < config.solver.epochs else {
            throw DNNError(.usage, at: "--resume \(checkpoint)",
                           "already completed \(state.progress.epoch) epochs, and the run is set to \(config.solver.epochs)",
                           hint: "pass --epochs with a larger total")
        }
        try Self.restoreOptimizer(optimizer, from: state, statePath: statePath)
        let progress = state.progress
        let metricsRows = try RunDirectory(path: Self.directory(of: checkpoint)).metricsRows(through: progress.epoch)
        let position = progress.iteration > 0 ? ", \(progress.iteration) iterations into epoch \(progress.epoch + 1)" : ""
        return (progress, state.rankRandom, metricsRows,
                "resuming after epoch \(progress.epoch)\(position) of \(config.solver.epochs)")
    }

    private static func restoreOptimizer(_ optimizer: any Optimizer<Float>, from state: TrainingState,
                                         statePath: String) throws {
        let tensors = Dictionary(state.optimizerTensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in optimizer.state {
            guard let saved = tensors[name], saved.shape == tensor.shape else {
                throw DNNError(.checkpoint, at: "\(statePath): tensor '\(name)'", "is missing or has the wrong shape",
                               hint: "the training state belongs to a different optimizer")
            }
            let values: [Float] = try saved.values(as: Float.self, name: name, file: statePath)
            for (index, value) in values.enumerated() { tensor.data[index] = value }
        }
        optimizer.stepCount = state.stepCount
        optimizer.learningRate = state.progress.learningRate
    }
}
