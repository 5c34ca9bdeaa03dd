import Foundation

extension Config {
    /// Decodes a config from its JSON, checking every key, type and range.
    ///
    /// - Parameters:
    ///   - baseDirectory: the config file's folder; relative paths (data files,
    ///     `solver.init_from`) are resolved against it and stored absolute.
    ///   - defaultName: the name when the config has no `name` (the file's base name).
    /// - Returns: the config and its warnings (suspicious but legal values, each starting
    ///   with its JSON path).
    /// - Throws: `DNNError` of kind `.config` at the JSON path of the first problem
    ///   (`model.layers[3].p: must be in [0, 1), got 1.5`), with "did you mean" for an
    ///   unknown key.
    public static func decode(_ json: JSON, baseDirectory: String, defaultName: String) throws -> (Config, [String]) {
        var decoder = ConfigDecoder(baseDirectory: baseDirectory)
        let config = try decoder.config(json, defaultName: defaultName)
        return (config, decoder.warnings)
    }
}

/// The hand-written decoder behind `Config.decode`: one method per config object, each
/// reading through a `ConfigObject`, so that every error carries its path and every
/// key's resolved value is recorded as it is read (the resolved config is the decoder's
/// own record, not a second description of the keys).
struct ConfigDecoder {
    /// Absolute; relative paths in the config are resolved against it.
    let baseDirectory: String
    private(set) var warnings: [String] = []

    init(baseDirectory: String) {
        self.baseDirectory = ConfigDecoder.absolutePath(baseDirectory, base: FileManager.default.currentDirectoryPath)
    }

    mutating func config(_ json: JSON, defaultName: String) throws -> Config {
        let root = try ConfigObject(json, at: "", keys: Config.keys, what: "the config",
                                    expected: "a JSON object at the top level")
        let name = root.contains("name") ? try root.string("name") : defaultName
        root.record("name", .string(name))
        let seed = try root["seed"].map { try ConfigDecoder.seed($0, at: "seed") } ?? 0
        root.record("seed", .integer(seed))
        let data = try self.data(try root.required("data"), at: "data")
        root.record("data", data.json)
        let model = try self.model(try root.required("model"), at: "model")
        root.record("model", model.json)
        let loss = try root.optional("loss") { try ConfigDecoder.loss($0, at: $1) }
        if loss == nil { root.record("loss", try ConfigDecoder.loss(["type": "cross_entropy"], at: "loss").1) }
        let lossConfig = loss ?? .crossEntropy
        let solver = try self.solver(try root.required("solver"), at: "solver", regression: lossConfig.isRegression)
        root.record("solver", solver.json)
        try ConfigDecoder.checkLossAgreesWithData(lossConfig, data: data.config)
        return Config(name: name, seed: seed, data: data.config, model: model.config, loss: lossConfig,
                      solver: solver.config, resolvedJSON: root.resolvedJSON)
    }

    /// A non-negative integer below 2^64.
    static func seed(_ value: JSON, at path: String) throws -> UInt64 {
        guard case .number(_, let text) = value, JSON.isIntegerText(text) else {
            throw DNNError.config(path, "expected a non-negative integer, got \(value.quotedForMessage)")
        }
        guard !text.hasPrefix("-") || text == "-0" else {
            throw DNNError.config(path, "must be at least 0, got \(text)")
        }
        guard let seed = UInt64(text == "-0" ? "0" : text) else {
            throw DNNError.config(path, "must be at most \(UInt64.max), got \(text)")
        }
        return seed
    }

    // MARK: Data

    private static let sourceHint =
        "a data source is {\"format\": \"csv\", \"path\": P, \"label\": COLUMN}, {\"format\": \"idx\", \"images\": P, \"labels\": P}, "
        + "{\"format\": \"npy\", \"x\": P, \"y\": P}, {\"format\": \"npz\", \"path\": P, \"x\": NAME, \"y\": NAME}, "
        + "{\"format\": \"cifar10\", \"files\": [P, ...]} or {\"format\": \"images\", \"path\": DIR}"

    func data(_ json: JSON, at path: String) throws -> (config: DataConfig, json: JSON) {
        let object = try ConfigObject(json, at: path, keys: ["train", "validation", "test", "normalize",
                                                             "normalize_target", "augment", "shard"], what: path)
        let train = try source(try object.required("train", hint: ConfigDecoder.sourceHint), at: object.path("train"))
        object.record("train", train.json)
        let validation = try object.optional("validation") { try self.validation($0, at: $1) }
        let test = try object.optional("test") { try source($0, at: $1) }
        let (normalize, channelStatistics) = try ConfigDecoder.normalize(object)
        let normalizeTarget = try object.choice("normalize_target", default: "none",
                                                options: NormalizeTargetKind.allCases.map(\.rawValue),
                                                what: "target normalization")
        var config = DataConfig(train: train.source, validation: validation, test: test,
                                normalize: normalize,
                                augment: try object.optional("augment") { try ConfigDecoder.augment($0, at: $1) })
        config.shard = try object.bool("shard", default: false)
        config.normalizeTarget = NormalizeTargetKind(rawValue: normalizeTarget) ?? .none
        config.channelStatistics = channelStatistics
        if config.train.isText { try ConfigDecoder.checkText(config, at: path) }
        return (config, object.resolvedJSON)
    }

    /// A text source's bytes are token ids, read whole by every rank: no normalisation, no shard.
    static func checkText(_ config: DataConfig, at path: String) throws {
        if config.normalize != .none {
            throw DNNError.config("\(path).normalize", "a text source holds byte ids (embedding rows), which are not normalised",
                                  hint: "remove normalize")
        }
        if config.shard {
            throw DNNError.config("\(path).shard", "a text source is read whole by every rank, which takes its own windows",
                                  hint: "remove shard (the windows of each batch are still split between the ranks)")
        }
    }

    /// `data.augment`: `{"random_crop": {"padding": p}, "horizontal_flip": true}`.
    static func augment(_ json: JSON, at path: String) throws -> (AugmentConfig, JSON) {
        let object = try ConfigObject(json, at: path, keys: ["random_crop", "horizontal_flip"], what: path,
                                      expected: "{\"random_crop\": {\"padding\": p}, \"horizontal_flip\": true}")
        let padding = try object.optional("random_crop") { value, cropPath -> (Int, JSON) in
            let crop = try ConfigObject(value, at: cropPath, keys: ["padding"], what: cropPath, expected: "{\"padding\": p}")
            return (try crop.int("padding", minimum: 1), crop.resolvedJSON)
        }
        let flip = try object.bool("horizontal_flip", default: false)
        return (AugmentConfig(padding: padding ?? 0, horizontalFlip: flip), object.resolvedJSON)
    }

    /// A csv, idx, npy, npz, cifar10, cifar100, images or text source; `orSplit` lets a misspelled `split` key of a validation
    /// suggest 'split'.
    func source(_ json: JSON, at path: String, orSplit: Bool = false) throws -> (source: DataSource, json: JSON) {
        guard case .object = json else {
            throw DNNError.config(path, "expected a data source object, got \(json.quotedForMessage)",
                                  hint: ConfigDecoder.sourceHint)
        }
        let format = try ConfigObject(json, at: path,
                                      keys: Array(Set(ConfigDecoder.csvKeys + ["images", "labels", "context", "stride"]
                                                      + ConfigDecoder.arraySourceKeys + ConfigDecoder.imageKeys)).sorted()
                                          + (orSplit ? ["split", "shuffle"] : []),
                                      what: orSplit ? "a data source or split" : "a data source")
            .choice("format", options: DataSource.formats, what: "format", hint: ConfigDecoder.sourceHint)
        switch format {
        case "csv":
            let object = try ConfigObject(json, at: path, keys: ConfigDecoder.csvKeys, what: "a csv source")
            object.record("format", "csv")
            let path = try file(object, "path")
            let labels = try labelColumns(object)
            let options = try csvOptions(object, labels: labels)
            return (.csv(path: path, labels: labels, options: options), object.resolvedJSON)
        case "npy", "npz", "cifar10", "cifar100":
            return try arraySource(json, format: format, at: path)
        case "images":
            return try imageSource(json, at: path)
        case "text":
            return try textSource(json, at: path)
        default:
            let object = try ConfigObject(json, at: path, keys: ["format", "images", "labels"], what: "an idx source")
            object.record("format", "idx")
            let images = try file(object, "images")
            return (.idx(images: images, labels: try file(object, "labels")), object.resolvedJSON)
        }
    }

    /// `{"format": "text", "path": P, "context": T, "stride": S}`: a file as bytes for a
    /// language model (stride defaults to the context).
    func textSource(_ json: JSON, at path: String) throws -> (source: DataSource, json: JSON) {
        let object = try ConfigObject(json, at: path, keys: ["format", "path", "context", "stride"], what: "a text source")
        object.record("format", "text")
        let file = try file(object, "path")
        let context = try object.int("context", minimum: 1)
        return (.text(path: file, context: context, stride: try object.int("stride", default: context, minimum: 1)),
                object.resolvedJSON)
    }

    /// A CSV source's `label`: one column name, or a non-empty list of distinct names
    /// (several regression targets); recorded as given.
    func labelColumns(_ object: ConfigObject) throws -> [String] {
        let hint = "the name of the CSV column that holds the classes or targets, or a list of target columns"
        let value = try object.required("label", hint: hint)
        guard case .array(let items) = value else {
            if case .number = value {
                // A column number, for a file without a header row (`header: false`).
                let name = try ConfigDecoder.columnReference(value, at: object.path("label"))
                object.record("label", .string(name))
                return [name]
            }
            return [try object.string("label", expected: "a column name (a string) or a list of them", hint: hint)]
        }
        let path = object.path("label")
        guard !items.isEmpty else { throw DNNError.config(path, "the list of target columns is empty", hint: hint) }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let name = try ConfigDecoder.columnReference(item, at: "\(path)[\(index)]")
            guard !names.contains(name) else {
                throw DNNError.config("\(path)[\(index)]", "column '\(name)' is listed twice")
            }
            names.append(name)
        }
        object.record("label", .array(names.map { .string($0) }))
        return names
    }

    /// A data source, or `{"split": fraction, "shuffle": true}`.
    func validation(_ json: JSON, at path: String) throws -> (ValidationSource, JSON) {
        if case .object = json, json["split"] != nil {
            let object = try ConfigObject(json, at: path, keys: ["split", "shuffle"],
                                          what: "a {\"split\": fraction} validation")
            let fraction = try object.double("split", default: 0, .open(0, 1))
            let shuffle = try object.bool("shuffle", default: true)
            return (.split(fraction, shuffle: shuffle), object.resolvedJSON)
        }
        guard case .object = json else {
            throw DNNError.config(path, "expected a data source or {\"split\": fraction}, got \(json.quotedForMessage)")
        }
        let (source, resolved) = try source(json, at: path, orSplit: true)
        return (.source(source), resolved)
    }

    /// A file path key, resolved against the config's folder (and recorded absolute).
    func file(_ object: ConfigObject, _ key: String) throws -> String {
        let path = ConfigDecoder.absolutePath(try object.string(key, expected: "a file path (a string)"), base: baseDirectory)
        object.record(key, .string(path))
        return path
    }

    /// `path` made absolute against `base` (itself absolute) with `.` and `..` removed;
    /// a leading `~/` is the home folder. No symbolic links are resolved.
    static func absolutePath(_ path: String, base: String) -> String {
        var path = path
        if path == "~" || path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            path = home + path.dropFirst()
        }
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    // MARK: Model

    mutating func model(_ json: JSON, at path: String) throws -> (config: ModelConfig, json: JSON) {
        let object = try ConfigObject(json, at: path, keys: ["input_shape", "layers"], what: path)
        let inputShape = try object.optional("input_shape") { value, shapePath -> ([Int], JSON) in
            guard case .array(let dimensions) = value else {
                throw DNNError.config(shapePath, "expected [features], [steps, features] or [channels, height, width], "
                                      + "got \(value.quotedForMessage)")
            }
            guard (1...3).contains(dimensions.count) else {
                throw DNNError.config(shapePath, "must have 1, 2 or 3 entries ([features], [channels, positions] or "
                                      + "[channels, height, width]), got \(dimensions.count)")
            }
            let shape = try dimensions.enumerated().map { try ConfigValue.int($1, at: "\(shapePath)[\($0)]", minimum: 1) }
            return (shape, .array(shape.map { .integer($0) }))
        }
        let (layers, layersJSON) = try LayerSpec.decodeList(try object.required("layers"), at: object.path("layers"),
                                                            allowEmpty: false, warnings: &warnings)
        object.record("layers", layersJSON)
        return (ModelConfig(inputShape: inputShape, layers: layers), object.resolvedJSON)
    }

    /// The layers of a JSON array (for tests and fixtures that hold bare layer lists).
    mutating func layers(_ json: JSON, at path: String, allowEmpty: Bool) throws -> [LayerSpec] {
        try LayerSpec.decodeList(json, at: path, allowEmpty: allowEmpty, warnings: &warnings).specs
    }

    /// One layer object (for tests and fixtures).
    mutating func layer(_ json: JSON, at path: String) throws -> LayerSpec {
        try LayerSpec.decode(json, at: path, warnings: &warnings).0
    }

    // MARK: Loss

    static func loss(_ json: JSON, at path: String) throws -> (LossConfig, JSON) {
        let object = try ConfigObject(json, at: path, keys: ["type", "label_smoothing", "weight", "delta"], what: path)
        let type = try object.choice("type", default: LossConfig.Kind.crossEntropy.rawValue,
                                     options: LossConfig.Kind.allCases.map(\.rawValue), what: "loss type")
        let kind = LossConfig.Kind(rawValue: type) ?? .crossEntropy
        try rejectKeys(of: kind, in: object)
        guard kind == .crossEntropy else {
            let delta = kind == .huber ? try object.double("delta", default: 1, .greaterThan(0)) : 1
            return (LossConfig(kind: kind, delta: delta), object.resolvedJSON)
        }
        let smoothing = try object.double("label_smoothing", default: 0, .closed(0, 1))
        let weights = try object.optional("weight") { try classWeights($0, at: $1) }
        return (LossConfig(kind: kind, labelSmoothing: smoothing, classWeights: weights), object.resolvedJSON)
    }

    /// The options of one loss type given to another: `label_smoothing` and `weight`
    /// belong to cross_entropy, `delta` to huber.
    private static func rejectKeys(of kind: LossConfig.Kind, in object: ConfigObject) throws {
        let owners: [(key: String, owner: LossConfig.Kind)] =
            [("label_smoothing", .crossEntropy), ("weight", .crossEntropy), ("delta", .huber)]
        for (key, owner) in owners where owner != kind && object.contains(key) {
            throw DNNError.config(object.path(key), "applies to the \(owner.rawValue) loss only, not to \(kind.rawValue)",
                                  hint: "remove \"\(key)\" or set loss.type to \(owner.rawValue)")
        }
    }

    /// `loss.weight`: a list of non-negative per-class weights, or `"balanced"`.
    static func classWeights(_ value: JSON, at path: String) throws -> (ClassWeights, JSON) {
        if case .string(let text) = value {
            guard text == "balanced" else {
                throw DNNError.config(path, "expected a list of per-class weights or \"balanced\", got \(value.quotedForMessage)",
                                      hint: didYouMeanHint(text, in: ["balanced"]))
            }
            return (.balanced, "balanced")
        }
        guard case .array(let values) = value, !values.isEmpty else {
            throw DNNError.config(path, "expected a list of per-class weights or \"balanced\", got \(value.quotedForMessage)")
        }
        let weights = try values.enumerated().map { try ConfigValue.double($1, at: "\(path)[\($0)]", .atLeast(0)) }
        return (.list(weights), .array(weights.map { .number($0) }))
    }

    // MARK: Solver

    static let solverKeys = ["epochs", "batch_size", "shuffle", "drop_last", "lr_decay", "reg", "print_every",
                             "checkpoint_every", "init_from", "monitor", "early_stopping", "lr_schedule", "warmup",
                             "clip_grad_norm", "precision", "optimizer"]

    /// - Parameter regression: whether the loss is a regression loss, which makes
    ///   `monitor` default to val_loss and allows the regression metrics.
    func solver(_ json: JSON, at path: String, regression: Bool = false) throws -> (config: SolverConfig, json: JSON) {
        let object = try ConfigObject(json, at: path, keys: ConfigDecoder.solverKeys, what: path)
        let epochs = try object.int("epochs", minimum: 1)
        let batchSize = try object.int("batch_size", default: 32, minimum: 1)
        let shuffle = try object.bool("shuffle", default: true)
        let dropLast = try object.bool("drop_last", default: false)
        let lrDecay = try object.double("lr_decay", default: 1.0, .greaterThan(0))
        let reg = try object.double("reg", default: 0, .atLeast(0))
        let printEvery = try object.int("print_every", default: 100, minimum: 0)
        let checkpointEvery = try object.int("checkpoint_every", default: 0, minimum: 0)
        let initFrom = object.contains("init_from") ? try file(object, "init_from") : nil
        if initFrom == nil { object.record("init_from", .null) }
        let monitor = try ConfigDecoder.monitor(object, regression: regression)
        let earlyStopping = try object.optional("early_stopping") { value, stoppingPath in
            let stopping = try ConfigObject(value, at: stoppingPath, keys: ["patience", "min_delta"], what: stoppingPath,
                                            expected: "{\"patience\": n}")
            return (EarlyStopping(patience: try stopping.int("patience", minimum: 1),
                                  minDelta: try stopping.double("min_delta", default: 0, .atLeast(0))),
                    stopping.resolvedJSON)
        }
        // cosine's t_max defaults to the epochs after warmup (warmup itself is checked below).
        let warmupEpochs = object["warmup"]?["epochs"]?.int ?? 0
        let schedule = try object.optional("lr_schedule") {
            try lrSchedule($0, at: $1, defaultTMax: Swift.max(1, epochs - warmupEpochs))
        }
        if schedule != nil && lrDecay != 1 {
            throw DNNError.config(object.path("lr_decay"), "solver.lr_decay and solver.lr_schedule are both given",
                                  hint: "lr_decay: g is shorthand for lr_schedule {\"type\": \"exponential\", \"gamma\": g}; keep one")
        }
        let warmup = try object.optional("warmup") { try self.warmup($0, at: $1) }
        let clip = try object.optional("clip_grad_norm") { value, clipPath -> (Double, JSON) in
            let norm = try ConfigValue.double(value, at: clipPath, .greaterThan(0))
            return (norm, .number(norm))
        }
        let precision = try object.choice("precision", default: Precision.fp32.rawValue,
                                          options: Precision.allCases.map(\.rawValue), what: "precision")
        let (optimizer, optimizerJSON) = try self.optimizer(
            try object.required("optimizer", hint: "e.g. {\"type\": \"sgd\", \"lr\": 0.01}"), at: object.path("optimizer"))
        object.record("optimizer", optimizerJSON)
        var solver = SolverConfig(epochs: epochs, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast,
                             lrDecay: lrDecay, reg: reg, printEvery: printEvery, checkpointEvery: checkpointEvery,
                             initFrom: initFrom, earlyStopping: earlyStopping,
                             monitor: monitor, lrSchedule: schedule,
                             warmup: warmup, clipGradNorm: clip, optimizer: optimizer)
        solver.precision = Precision(rawValue: precision) ?? .fp32
        return (solver, object.resolvedJSON)
    }

    /// The keys of each optimizer type besides `type`.
    static let optimizerKeys: [String: [String]] = [
        "sgd": ["lr", "momentum", "nesterov", "weight_decay"],
        "adam": ["lr", "beta1", "beta2", "eps", "weight_decay"],
        "adamw": ["lr", "beta1", "beta2", "eps", "weight_decay"],
        "rmsprop": ["lr", "alpha", "eps", "momentum", "weight_decay"],
    ]

    func optimizer(_ json: JSON, at path: String) throws -> (OptimizerConfig, JSON) {
        let known = OptimizerConfig.typeNames.joined(separator: ", ")
        guard case .object = json else {
            throw DNNError.config(path, "expected an optimizer object with a \"type\" key, got \(json.quotedForMessage)")
        }
        guard let typeValue = json["type"], !typeValue.isNull else {
            throw DNNError.config(path, "missing required key \"type\"", hint: "known optimizer types: \(known)")
        }
        guard case .string(let type) = typeValue, let keys = ConfigDecoder.optimizerKeys[type] else {
            throw DNNError.config(ConfigObject.join(path, "type"),
                                  "unknown optimizer type \(typeValue.quotedForMessage); known types: \(known)",
                                  hint: typeValue.stringValue.flatMap { didYouMeanHint($0, in: OptimizerConfig.typeNames) })
        }
        let object = try ConfigObject(json, at: path, keys: ["type"] + keys, what: "\(article(type)) \(type) optimizer")
        object.record("type", .string(type))
        let optimizer: OptimizerConfig
        switch type {
        case "sgd":
            let lr = try object.double("lr", default: 1e-3, .atLeast(0))
            let momentum = try object.double("momentum", default: 0, .halfOpen(0, 1))
            let nesterov = try object.bool("nesterov", default: false)
            if nesterov && momentum == 0 {
                throw DNNError.config(object.path("nesterov"), "needs momentum > 0 (torch's rule), got momentum 0",
                                      hint: "set solver.optimizer.momentum, e.g. 0.9, or remove nesterov")
            }
            optimizer = .sgd(lr: lr, momentum: momentum, nesterov: nesterov, weightDecay: try decay(object, type))
        case "adam", "adamw":
            let lr = try object.double("lr", default: 1e-3, .atLeast(0))
            let beta1 = try object.double("beta1", default: 0.9, .halfOpen(0, 1))
            let beta2 = try object.double("beta2", default: 0.999, .halfOpen(0, 1))
            let eps = try object.double("eps", default: 1e-8, .greaterThan(0))
            let weightDecay = try decay(object, type)
            optimizer = type == "adam"
                ? .adam(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
                : .adamw(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        default:  // rmsprop
            let lr = try object.double("lr", default: 1e-2, .atLeast(0))
            let alpha = try object.double("alpha", default: 0.99, .halfOpen(0, 1))
            let eps = try object.double("eps", default: 1e-8, .greaterThan(0))
            let momentum = try object.double("momentum", default: 0, .halfOpen(0, 1))
            optimizer = .rmsprop(lr: lr, alpha: alpha, eps: eps, momentum: momentum, weightDecay: try decay(object, type))
        }
        return (optimizer, object.resolvedJSON)
    }

    /// `weight_decay`: 0.01 for AdamW, 0 for the others (torch.optim's defaults).
    private func decay(_ object: ConfigObject, _ type: String) throws -> Double {
        try object.double("weight_decay", default: type == "adamw" ? 0.01 : 0, .atLeast(0))
    }
}
