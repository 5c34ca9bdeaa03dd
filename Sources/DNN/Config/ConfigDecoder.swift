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
/// reading through a `ConfigObject` so that every error carries its path.
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
        let seed = try root["seed"].map { try ConfigDecoder.seed($0, at: "seed") } ?? 0
        let data = try self.data(try root.required("data"), at: "data")
        let model = try self.model(try root.required("model"), at: "model")
        let loss = try root["loss"].map { try ConfigDecoder.loss($0, at: "loss") } ?? .crossEntropy
        let solver = try self.solver(try root.required("solver"), at: "solver")
        return Config(name: name, seed: seed, data: data, model: model, loss: loss, solver: solver)
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
        "a data source is {\"format\": \"csv\", \"path\": P, \"label\": COLUMN} or {\"format\": \"idx\", \"images\": P, \"labels\": P}"

    mutating func data(_ json: JSON, at path: String) throws -> DataConfig {
        let object = try ConfigObject(json, at: path, keys: ["train", "validation", "test", "normalize"], what: path)
        let train = try source(try object.required("train", hint: ConfigDecoder.sourceHint), at: object.path("train"))
        let validation = try object["validation"].map { try self.validation($0, at: object.path("validation")) }
        let test = try object["test"].map { try source($0, at: object.path("test")) }
        let normalize = try object.choice("normalize", default: "none", options: NormalizeKind.allCases.map(\.rawValue),
                                          what: "normalization")
        return DataConfig(train: train, validation: validation, test: test,
                          normalize: NormalizeKind(rawValue: normalize) ?? .none)
    }

    /// A csv or idx source; `orSplit` lets a misspelled `split` key of a validation
    /// suggest 'split'.
    func source(_ json: JSON, at path: String, orSplit: Bool = false) throws -> DataSource {
        guard case .object = json else {
            throw DNNError.config(path, "expected a data source object, got \(json.quotedForMessage)",
                                  hint: ConfigDecoder.sourceHint)
        }
        let format = try ConfigObject(json, at: path,
                                      keys: ["format", "path", "label", "images", "labels"] + (orSplit ? ["split"] : []),
                                      what: orSplit ? "a data source or split" : "a data source")
            .choice("format", options: DataSource.formats, what: "format", hint: ConfigDecoder.sourceHint)
        switch format {
        case "csv":
            let object = try ConfigObject(json, at: path, keys: ["format", "path", "label"], what: "a csv source")
            return .csv(path: try file(object, "path"),
                        label: try object.string("label", expected: "a column name (a string)",
                                                 hint: "the name of the CSV column that holds the classes"))
        default:
            let object = try ConfigObject(json, at: path, keys: ["format", "images", "labels"], what: "an idx source")
            return .idx(images: try file(object, "images"), labels: try file(object, "labels"))
        }
    }

    func validation(_ json: JSON, at path: String) throws -> ValidationSource {
        if case .object = json, json["split"] != nil {
            let object = try ConfigObject(json, at: path, keys: ["split"], what: "a {\"split\": fraction} validation")
            let fraction = try object.double("split", default: 0, .open(0, 1))
            return .split(fraction)
        }
        guard case .object = json else {
            throw DNNError.config(path, "expected a data source or {\"split\": fraction}, got \(json.quotedForMessage)")
        }
        return .source(try source(json, at: path, orSplit: true))
    }

    /// A file path key, resolved against the config's folder.
    func file(_ object: ConfigObject, _ key: String) throws -> String {
        ConfigDecoder.absolutePath(try object.string(key, expected: "a file path (a string)"), base: baseDirectory)
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

    mutating func model(_ json: JSON, at path: String) throws -> ModelConfig {
        let object = try ConfigObject(json, at: path, keys: ["input_shape", "layers"], what: path)
        var inputShape: [Int]?
        if let shape = object["input_shape"] {
            let shapePath = object.path("input_shape")
            guard case .array(let dimensions) = shape else {
                throw DNNError.config(shapePath, "expected [features] or [channels, height, width], got \(shape.quotedForMessage)")
            }
            guard dimensions.count == 1 || dimensions.count == 3 else {
                throw DNNError.config(shapePath, "must have 1 or 3 entries ([features] or [channels, height, width]), "
                                      + "got \(dimensions.count)")
            }
            inputShape = try dimensions.enumerated().map { try ConfigValue.int($1, at: "\(shapePath)[\($0)]", minimum: 1) }
        }
        let layers = try self.layers(try object.required("layers"), at: object.path("layers"), allowEmpty: false)
        return ModelConfig(inputShape: inputShape, layers: layers)
    }

    mutating func layers(_ json: JSON, at path: String, allowEmpty: Bool) throws -> [LayerSpec] {
        guard case .array(let elements) = json else {
            throw DNNError.config(path, "expected an array of layers, got \(json.quotedForMessage)")
        }
        guard allowEmpty || !elements.isEmpty else {
            throw DNNError.config(path, "must not be empty", hint: "add at least one layer, e.g. {\"type\": \"linear\", \"out\": 10}")
        }
        var layers: [LayerSpec] = []
        for (index, element) in elements.enumerated() {
            layers.append(try layer(element, at: "\(path)[\(index)]"))
        }
        return layers
    }

    /// The keys of each layer type besides `type`.
    static let layerKeys: [String: [String]] = [
        "linear": ["out", "bias", "init", "weight_scale"],
        "conv2d": ["out", "kernel", "stride", "padding", "bias", "init", "weight_scale"],
        "maxpool2d": ["kernel", "stride", "padding"], "avgpool2d": ["kernel", "stride", "padding"],
        "flatten": [], "relu": [], "sigmoid": [], "tanh": [], "gelu": [],
        "leaky_relu": ["slope"], "dropout": ["p"], "dropout2d": ["p"],
        "batchnorm": ["momentum", "eps"], "layernorm": ["eps"], "instancenorm": ["eps"], "rmsnorm": ["eps"],
        "residual": ["body", "shortcut"],
    ]

    mutating func layer(_ json: JSON, at path: String) throws -> LayerSpec {
        let known = LayerSpec.typeNames.joined(separator: ", ")
        guard case .object = json else {
            var hint: String?
            if case .string(let name) = json, LayerSpec.typeNames.contains(name) { hint = "write {\"type\": \"\(name)\"}" }
            throw DNNError.config(path, "expected a layer object with a \"type\" key, got \(json.quotedForMessage)", hint: hint)
        }
        guard let typeValue = json["type"], !typeValue.isNull else {
            throw DNNError.config(path, "missing required key \"type\"", hint: "known layer types: \(known)")
        }
        guard case .string(let type) = typeValue, let keys = ConfigDecoder.layerKeys[type] else {
            throw DNNError.config(ConfigObject.join(path, "type"),
                                  "unknown layer type \(typeValue.quotedForMessage); known types: \(known)",
                                  hint: typeValue.stringValue.flatMap { didYouMeanHint($0, in: LayerSpec.typeNames) })
        }
        let object = try ConfigObject(json, at: path, keys: ["type"] + keys, what: "\(article(type)) \(type) layer")
        switch type {
        case "linear":
            return .linear(out: try object.int("out", minimum: 1), bias: try object.bool("bias", default: true),
                           init: try initScheme(object))
        case "conv2d":
            return .conv2d(try conv2d(object))
        case "maxpool2d":
            return .maxpool2d(try pool(object))
        case "avgpool2d":
            return .avgpool2d(try pool(object))
        case "flatten": return .flatten
        case "relu": return .relu
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "gelu": return .gelu
        case "leaky_relu":
            return .leakyReLU(slope: try object.double("slope", default: 0.01, .any))
        case "dropout":
            return .dropout(p: try object.double("p", default: 0.5, .halfOpen(0, 1)))
        case "dropout2d":
            return .dropout2d(p: try object.double("p", default: 0.5, .halfOpen(0, 1)))
        case "batchnorm":
            let momentum = try object.double("momentum", default: 0.1, .closed(0, 1))
            if momentum > 0.5 {
                let complement = String(format: "%g", 1 - momentum)
                warnings.append("\(object.path("momentum")): \(ConfigRange.format(momentum)) is the weight of the NEW "
                                + "batch statistics here (PyTorch's convention: running = (1 - momentum) * running + "
                                + "momentum * batch); Keras/TensorFlow's \(ConfigRange.format(momentum)) corresponds "
                                + "to \(complement)")
            }
            return .batchnorm(momentum: momentum, eps: try object.double("eps", default: 1e-5, .greaterThan(0)))
        case "layernorm":
            return .layernorm(eps: try object.double("eps", default: 1e-5, .greaterThan(0)))
        case "instancenorm":
            return .instancenorm(eps: try object.double("eps", default: 1e-5, .greaterThan(0)))
        case "rmsnorm":
            return .rmsnorm(eps: try object.double("eps", default: 1e-6, .greaterThan(0)))
        default:  // residual
            let body = try layers(try object.required("body", hint: "the layers of the residual branch"),
                                  at: object.path("body"), allowEmpty: false)
            let shortcut = try object["shortcut"].map { try layers($0, at: object.path("shortcut"), allowEmpty: true) } ?? []
            return .residual(body: body, shortcut: shortcut)
        }
    }

    /// `init` ("he") and, for "normal" only, `weight_scale` (0.01).
    func initScheme(_ object: ConfigObject) throws -> InitScheme {
        let name = try object.choice("init", default: "he", options: InitScheme.names, what: "init")
        if name == "normal" {
            return .normal(std: try object.double("weight_scale", default: 0.01, .greaterThan(0)))
        }
        if object.contains("weight_scale") {
            throw DNNError.config(object.path("weight_scale"),
                                  "only applies with \"init\": \"normal\", but init is \"\(name)\"",
                                  hint: "set \"init\": \"normal\" or remove weight_scale")
        }
        switch name {
        case "xavier": return .xavier
        case "torch": return .torch
        default: return .he
        }
    }

    func conv2d(_ object: ConfigObject) throws -> Conv2DSpec {
        let out = try object.int("out", minimum: 1)
        let kernel = try ConfigValue.pair(try object.required("kernel"), at: object.path("kernel"), minimum: 1)
        let stride = try object["stride"].map { try ConfigValue.pair($0, at: object.path("stride"), minimum: 1) } ?? (height: 1, width: 1)
        var padding = Padding.explicit(height: 0, width: 0)
        if let value = object["padding"] {
            let paddingPath = object.path("padding")
            switch value {
            case .string("same"):
                guard stride.height == 1 && stride.width == 1 else {
                    let shown = stride.height == stride.width ? "\(stride.height)" : "[\(stride.height), \(stride.width)]"
                    throw DNNError.config(paddingPath, "\"same\" padding needs stride 1, got stride \(shown)",
                                          hint: "PyTorch refuses padding='same' for strided convolutions; give the padding as numbers")
                }
                padding = .same
            case .string("valid"):
                padding = .explicit(height: 0, width: 0)
            case .number, .array:
                let amounts = try ConfigValue.pair(value, at: paddingPath, minimum: 0)
                padding = .explicit(height: amounts.height, width: amounts.width)
            default:
                throw DNNError.config(paddingPath, "expected an integer, [height, width] or \"same\", got \(value.quotedForMessage)")
            }
        }
        return Conv2DSpec(out: out, kernelHeight: kernel.height, kernelWidth: kernel.width,
                          strideHeight: stride.height, strideWidth: stride.width, padding: padding,
                          bias: try object.bool("bias", default: true), initScheme: try initScheme(object))
    }

    /// `kernel` (required), `stride` (= kernel), `padding` (0, at most half the kernel).
    func pool(_ object: ConfigObject) throws -> PoolSpec {
        let kernel = try ConfigValue.pair(try object.required("kernel"), at: object.path("kernel"), minimum: 1)
        let stride = try object["stride"].map { try ConfigValue.pair($0, at: object.path("stride"), minimum: 1) } ?? kernel
        let padding = try object["padding"].map { try ConfigValue.pair($0, at: object.path("padding"), minimum: 0) } ?? (height: 0, width: 0)
        if padding.height > kernel.height / 2 || padding.width > kernel.width / 2 {
            func shown(_ pair: (Int, Int)) -> String { pair.0 == pair.1 ? "\(pair.0)" : "[\(pair.0), \(pair.1)]" }
            throw DNNError.config(object.path("padding"),
                                  "must be at most half the kernel size (PyTorch's rule), got \(shown(padding)) "
                                  + "for kernel \(shown(kernel))",
                                  hint: "kernel \(shown(kernel)) allows padding up to \(shown((kernel.height / 2, kernel.width / 2)))")
        }
        return PoolSpec(kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height,
                        strideWidth: stride.width, paddingHeight: padding.height, paddingWidth: padding.width)
    }

    // MARK: Loss

    static func loss(_ json: JSON, at path: String) throws -> LossConfig {
        let object = try ConfigObject(json, at: path, keys: ["type"], what: path)
        let type = try object.choice("type", options: LossConfig.allCases.map(\.rawValue), what: "loss type")
        return LossConfig(rawValue: type) ?? .crossEntropy
    }

    // MARK: Solver

    static let solverKeys = ["epochs", "batch_size", "shuffle", "drop_last", "lr_decay", "reg", "print_every",
                             "init_from", "early_stopping", "optimizer"]

    mutating func solver(_ json: JSON, at path: String) throws -> SolverConfig {
        let object = try ConfigObject(json, at: path, keys: ConfigDecoder.solverKeys, what: path)
        let epochs = try object.int("epochs", minimum: 1)
        let batchSize = try object.int("batch_size", default: 32, minimum: 1)
        let shuffle = try object.bool("shuffle", default: true)
        let dropLast = try object.bool("drop_last", default: false)
        let lrDecay = try object.double("lr_decay", default: 1.0, .greaterThan(0))
        let reg = try object.double("reg", default: 0, .atLeast(0))
        let printEvery = try object.int("print_every", default: 100, minimum: 0)
        let initFrom = object.contains("init_from") ? try file(object, "init_from") : nil
        let earlyStopping = try object["early_stopping"].map { value in
            let stopping = try ConfigObject(value, at: object.path("early_stopping"), keys: ["patience"],
                                            what: object.path("early_stopping"), expected: "{\"patience\": n}")
            return EarlyStopping(patience: try stopping.int("patience", minimum: 1))
        }
        let optimizer = try self.optimizer(try object.required("optimizer", hint: "e.g. {\"type\": \"sgd\", \"lr\": 0.01}"),
                                           at: object.path("optimizer"))
        return SolverConfig(epochs: epochs, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, lrDecay: lrDecay,
                            reg: reg, printEvery: printEvery, initFrom: initFrom, earlyStopping: earlyStopping,
                            optimizer: optimizer)
    }

    /// The keys of each optimizer type besides `type`.
    static let optimizerKeys: [String: [String]] = [
        "sgd": ["lr", "momentum", "nesterov", "weight_decay"],
        "adam": ["lr", "beta1", "beta2", "eps", "weight_decay"],
        "adamw": ["lr", "beta1", "beta2", "eps", "weight_decay"],
        "rmsprop": ["lr", "alpha", "eps", "momentum", "weight_decay"],
    ]

    func optimizer(_ json: JSON, at path: String) throws -> OptimizerConfig {
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
        let decay = try object.double("weight_decay", default: type == "adamw" ? 0.01 : 0, .atLeast(0))
        switch type {
        case "sgd":
            let lr = try object.double("lr", default: 1e-3, .atLeast(0))
            let momentum = try object.double("momentum", default: 0, .halfOpen(0, 1))
            let nesterov = try object.bool("nesterov", default: false)
            if nesterov && momentum == 0 {
                throw DNNError.config(object.path("nesterov"), "needs momentum > 0 (torch's rule), got momentum 0",
                                      hint: "set solver.optimizer.momentum, e.g. 0.9, or remove nesterov")
            }
            return .sgd(lr: lr, momentum: momentum, nesterov: nesterov, weightDecay: decay)
        case "adam", "adamw":
            let lr = try object.double("lr", default: 1e-3, .atLeast(0))
            let beta1 = try object.double("beta1", default: 0.9, .halfOpen(0, 1))
            let beta2 = try object.double("beta2", default: 0.999, .halfOpen(0, 1))
            let eps = try object.double("eps", default: 1e-8, .greaterThan(0))
            return type == "adam"
                ? .adam(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: decay)
                : .adamw(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: decay)
        default:  // rmsprop
            let lr = try object.double("lr", default: 1e-2, .atLeast(0))
            let alpha = try object.double("alpha", default: 0.99, .halfOpen(0, 1))
            let eps = try object.double("eps", default: 1e-8, .greaterThan(0))
            let momentum = try object.double("momentum", default: 0, .halfOpen(0, 1))
            return .rmsprop(lr: lr, alpha: alpha, eps: eps, momentum: momentum, weightDecay: decay)
        }
    }

    /// "an" before a vowel sound (avgpool2d, instancenorm, rmsnorm, sgd), else "a".
    private func article(_ word: String) -> String {
        word.hasPrefix("rms") || word == "sgd" || word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }
}
