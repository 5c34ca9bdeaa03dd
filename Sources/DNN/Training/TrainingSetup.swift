import Foundation

/// Everything a run needs before its first step, made and checked without writing a
/// byte: the data, the network (with `init_from` or a resumed checkpoint loaded), the
/// optimizer and the progress to start from. A bad input throws here, so a refused
/// command leaves the run directory as it was.
struct TrainingSetup {
    /// The config with `model.input_shape` filled in from the data.
    var config: Config
    var data: PreparedData
    var classCount: Int
    var network: Sequential<Float>
    var optimizer: any Optimizer<Float>
    var progress: TrainingProgress
    /// The learning rate of every epoch.
    var schedule: LearningRateSchedule
    /// `metrics.jsonl` rows of the epochs a resumed run already completed.
    var metricsRows: [JSON]
    /// Notes for the user (data warnings, where a resumed run continues).
    var notes: [String]
    /// The dropout generators of a resumed data-parallel run, by rank.
    var rankRandom: [RandomGenerator] = []

    init(config: Config, options: TrainOptions) throws {
        var random = RandomGenerator(seed: config.seed)
        // The raw tables go out of scope once encoded: only the datasets stay in memory.
        let communicator = options.communicator
        let raw = config.data.shard && communicator.size > 1
            ? try RawData.loadShard(config, rank: communicator.rank, ranks: communicator.size)
            : try RawData.load(config)
        let memory = MemoryPlan(batchSize: Swift.min(config.solver.batchSize, raw.train.rows))
        memory.dataBytes = raw.bytes
        let network: Sequential<Float> = try NetworkBuilder.build(config.model.layers, inputShape: raw.inputShape,
                                                                   random: &random, memory: memory)
        let (classCount, lastLayerPath) = try Self.classCount(of: network, config: config)
        let warnings = raw.warnings, trainFile = raw.trainFile, shard = raw.shard
        data = try (consume raw).prepare(config, outputCount: classCount, configPath: lastLayerPath)
        for dataset in [data.train, data.validation, data.test].compactMap({ $0 }) {
            try network.checkTokenIds(dataset, file: trainFile)
        }
        // data.test was read and encoded above, so a bad test file fails before the first
        // step; training never scores it (`dnn eval` does), so its rows are not kept.
        data.test = nil
        notes = warnings.map { "dnn: warning: \($0)" }
        if let notice = config.solver.precision.fallbackNotice { notes.append(notice) }
        // Balanced class weights count every training row, the other ranks' too under data.shard.
        let classes = data.classes
        let trainLabels = try shard.flatMap { shard in config.loss.isRegression ? nil : shard }.map { shard in
            try classes.encode(shard.trainLabels.labels ?? [], file: trainFile, lineNumbers: shard.trainLabels.lineNumbers)
        }
        self.config = try config.withInputShape(data.inputShape)
            .resolvingClassWeights(labels: trainLabels ?? data.train.labels, classCount: classCount, classNames: data.classes.names)
        self.classCount = classCount
        self.network = network
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
        if let resume = options.resume { try restore(from: resume) }
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

    /// Loads the weights, optimizer tensors, progress and metrics of `checkpoint` for `--resume`.
    private mutating func restore(from checkpoint: String) throws {
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
        progress = state.progress
        rankRandom = state.rankRandom
        metricsRows = try RunDirectory(path: Self.directory(of: checkpoint)).metricsRows(through: progress.epoch)
        let position = progress.iteration > 0 ? ", \(progress.iteration) iterations into epoch \(progress.epoch + 1)" : ""
        notes.append("resuming after epoch \(progress.epoch)\(position) of \(config.solver.epochs)")
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
