/// Every layer `type` a config may name: the one description of the layer types. The
/// decoder's `switch` over it is exhaustive, so a new case fails to compile until it is
/// decoded, and the known-types list and each type's valid keys come from here.
public enum LayerType: String, CaseIterable, Sendable {
    case linear, conv2d, maxpool2d, avgpool2d, flatten
    case relu, sigmoid, tanh, gelu, silu
    case leakyReLU = "leaky_relu"
    case dropout, dropout2d, batchnorm, layernorm, instancenorm, rmsnorm, residual
    // Sequences ([C, T] samples, [T, F] samples, token ids)
    case conv1d, maxpool1d, avgpool1d, transpose
    case globalAvgPool = "global_avgpool", globalMaxPool = "global_maxpool"
    case lstm, gru
    case embedding
    case positionalEmbedding = "positional_embedding"
    case attention

    /// The keys a layer of this type may have besides `type`, in the order a resolved
    /// config lists them.
    public var keys: [String] {
        switch self {
        case .linear: ["out", "bias", "init", "weight_scale"]
        case .conv2d: ["out", "kernel", "stride", "padding", "bias", "init", "weight_scale"]
        case .maxpool2d, .avgpool2d: ["kernel", "stride", "padding"]
        case .flatten, .relu, .sigmoid, .tanh, .gelu, .silu: []
        case .leakyReLU: ["slope"]
        case .dropout, .dropout2d: ["p"]
        case .batchnorm: ["momentum", "eps"]
        case .layernorm, .instancenorm, .rmsnorm: ["eps"]
        case .residual: ["body", "shortcut"]
        case .conv1d: ["out", "kernel", "stride", "padding", "dilation", "bias", "init", "weight_scale"]
        case .maxpool1d, .avgpool1d: ["kernel", "stride", "padding"]
        case .transpose, .globalAvgPool, .globalMaxPool: []
        case .lstm, .gru: ["hidden", "layers", "bidirectional", "return"]
        case .embedding: ["vocab", "dim"]
        case .positionalEmbedding: ["max_len"]
        case .attention: ["heads", "causal", "dropout"]
        }
    }

    /// Every type name, in the order error messages list them.
    public static var names: [String] { allCases.map(\.rawValue) }
}

/// One entry of `model.layers`: which layer, with its hyperparameters decoded and checked.
///
/// A closed enum, so the network builder's exhaustive `switch` turns a forgotten layer
/// into a compile error. Names and defaults are PyTorch's.
public indirect enum LayerSpec: Equatable, Sendable {
    /// `nn.Linear(in, out, bias)`; `in` comes from the previous layer.
    case linear(out: Int, bias: Bool, init: InitScheme)
    /// `nn.Conv2d`.
    case conv2d(Conv2DSpec)
    /// `nn.MaxPool2d` (floor mode).
    case maxpool2d(PoolSpec)
    /// `nn.AvgPool2d` (floor mode; padded zeros count in the average).
    case avgpool2d(PoolSpec)
    /// `nn.Flatten()`: [C, H, W] to [C * H * W] in C, H, W order.
    case flatten
    /// A pointwise activation: `relu`, `sigmoid`, `tanh`, `gelu`, `silu`, `leaky_relu`.
    case activation(Activation)
    /// `nn.Dropout(p)`: `p` is the probability of dropping a unit, in [0, 1).
    case dropout(p: Double)
    /// `nn.Dropout2d(p)`: drops whole channels.
    case dropout2d(p: Double)
    /// `nn.BatchNorm1d/2d`; `momentum` is the weight of the NEW batch statistic.
    case batchnorm(momentum: Double, eps: Double)
    /// `nn.LayerNorm(D)` on [D], `nn.GroupNorm(1, C)` on [C, H, W].
    case layernorm(eps: Double)
    /// `nn.InstanceNorm2d(C, affine=True)`.
    case instancenorm(eps: Double)
    /// `nn.RMSNorm(shape[1:], eps)`.
    case rmsnorm(eps: Double)
    /// body(x) + shortcut(x); an empty shortcut is the identity.
    case residual(body: [LayerSpec], shortcut: [LayerSpec])
    /// `nn.Conv1d` on [C, T].
    case conv1d(Conv1DSpec)
    /// `nn.MaxPool1d` (floor mode) on [C, T].
    case maxpool1d(Pool1DSpec)
    /// `nn.AvgPool1d` (floor mode; padded zeros count in the average) on [C, T].
    case avgpool1d(Pool1DSpec)
    /// The mean over every position of [C, T] or [C, H, W], giving [C]
    /// (`nn.AdaptiveAvgPool1d(1)` / `2d(1)`, then flatten).
    case globalAvgPool
    /// The maximum over every position of [C, T] or [C, H, W], giving [C].
    case globalMaxPool
    /// Swaps the last two dimensions of a sample, `x.transpose(-1, -2)`.
    case transpose
    /// `nn.LSTM` / `nn.GRU` with `batch_first=True`: [T, F] to [D·H] or [T, D·H].
    case recurrent(RecurrentSpec)
    /// `nn.Embedding(vocab, dim)`: [T] integer ids to [T, dim].
    case embedding(vocab: Int, dim: Int)
    /// A learned [max_len, F] table added at each position (GPT-2's `wpe`).
    case positionalEmbedding(maxLength: Int)
    /// `nn.MultiheadAttention(F, heads, dropout, batch_first=True)` as self-attention.
    case attention(heads: Int, causal: Bool, dropout: Double)

    /// The layer's `type`.
    public var type: LayerType {
        switch self {
        case .linear: .linear
        case .conv2d: .conv2d
        case .maxpool2d: .maxpool2d
        case .avgpool2d: .avgpool2d
        case .flatten: .flatten
        case .activation(let function): function.layerType
        case .dropout: .dropout
        case .dropout2d: .dropout2d
        case .batchnorm: .batchnorm
        case .layernorm: .layernorm
        case .instancenorm: .instancenorm
        case .rmsnorm: .rmsnorm
        case .residual: .residual
        case .conv1d: .conv1d
        case .maxpool1d: .maxpool1d
        case .avgpool1d: .avgpool1d
        case .globalAvgPool: .globalAvgPool
        case .globalMaxPool: .globalMaxPool
        case .transpose: .transpose
        case .recurrent(let recurrent): recurrent.cell == .lstm ? .lstm : .gru
        case .embedding: .embedding
        case .positionalEmbedding: .positionalEmbedding
        case .attention: .attention
        }
    }

    /// The JSON `type` of this layer: "linear", "leaky_relu", ...
    public var typeName: String { type.rawValue }

    /// This layer and every layer inside it, depth first.
    public var allSpecs: [LayerSpec] {
        guard case let .residual(body, shortcut) = self else { return [self] }
        return [self] + (body + shortcut).flatMap(\.allSpecs)
    }

    /// Decodes one layer object at `path` (`model.layers[3]`).
    ///
    /// - Returns: the spec and its resolved JSON (every key with its value after defaults).
    /// - Parameter warnings: suspicious but legal values are appended here.
    static func decode(_ json: JSON, at path: String, warnings: inout [String]) throws -> (LayerSpec, JSON) {
        let type = try LayerType.decode(json, at: path)
        let object = try ConfigObject(json, at: path, keys: ["type"] + type.keys, what: "\(article(type.rawValue)) \(type.rawValue) layer")
        object.record("type", .string(type.rawValue))
        let spec: LayerSpec
        switch type {
        case .linear:
            spec = .linear(out: try object.int("out", minimum: 1), bias: try object.bool("bias", default: true),
                           init: try InitScheme.decode(object))
        case .conv2d: spec = .conv2d(try Conv2DSpec.decode(object))
        case .maxpool2d: spec = .maxpool2d(try PoolSpec.decode(object))
        case .avgpool2d: spec = .avgpool2d(try PoolSpec.decode(object))
        case .flatten: spec = .flatten
        case .relu: spec = .activation(.relu)
        case .sigmoid: spec = .activation(.sigmoid)
        case .tanh: spec = .activation(.tanh)
        case .gelu: spec = .activation(.gelu)
        case .silu: spec = .activation(.silu)
        case .leakyReLU: spec = .activation(.leakyReLU(slope: try object.double("slope", default: 0.01, .any)))
        case .dropout: spec = .dropout(p: try object.double("p", default: 0.5, .halfOpen(0, 1)))
        case .dropout2d: spec = .dropout2d(p: try object.double("p", default: 0.5, .halfOpen(0, 1)))
        case .batchnorm:
            let momentum = try object.double("momentum", default: 0.1, .closed(0, 1))
            if momentum > 0.5 { warnings.append(momentumWarning(momentum, at: object.path("momentum"))) }
            spec = .batchnorm(momentum: momentum, eps: try object.double("eps", default: 1e-5, .greaterThan(0)))
        case .layernorm: spec = .layernorm(eps: try object.double("eps", default: 1e-5, .greaterThan(0)))
        case .instancenorm: spec = .instancenorm(eps: try object.double("eps", default: 1e-5, .greaterThan(0)))
        case .rmsnorm: spec = .rmsnorm(eps: try object.double("eps", default: 1e-6, .greaterThan(0)))
        case .residual:
            let body = try decodeList(try object.required("body", hint: "the layers of the residual branch"),
                                      at: object.path("body"), allowEmpty: false, warnings: &warnings)
            object.record("body", body.json)
            let shortcut = try object["shortcut"].map {
                try decodeList($0, at: object.path("shortcut"), allowEmpty: true, warnings: &warnings)
            } ?? (specs: [], json: [])
            object.record("shortcut", shortcut.json)
            spec = .residual(body: body.specs, shortcut: shortcut.specs)
        case .conv1d, .maxpool1d, .avgpool1d, .globalAvgPool, .globalMaxPool, .transpose:
            spec = try decodeSequenceLayer(type, object)
        case .lstm: spec = .recurrent(try RecurrentSpec.decode(object, cell: .lstm))
        case .gru: spec = .recurrent(try RecurrentSpec.decode(object, cell: .gru))
        case .embedding:
            spec = .embedding(vocab: try object.int("vocab", minimum: 1), dim: try object.int("dim", minimum: 1))
        case .positionalEmbedding: spec = .positionalEmbedding(maxLength: try object.int("max_len", minimum: 1))
        case .attention:
            spec = .attention(heads: try object.int("heads", minimum: 1), causal: try object.bool("causal", default: false),
                              dropout: try object.double("dropout", default: 0, .halfOpen(0, 1)))
        }
        return (spec, object.resolvedJSON)
    }

    /// Decodes an array of layers (`model.layers`, a residual's `body`).
    static func decodeList(_ json: JSON, at path: String, allowEmpty: Bool,
                           warnings: inout [String]) throws -> (specs: [LayerSpec], json: JSON) {
        guard case .array(let elements) = json else {
            throw DNNError.config(path, "expected an array of layers, got \(json.quotedForMessage)")
        }
        guard allowEmpty || !elements.isEmpty else {
            throw DNNError.config(path, "must not be empty", hint: "add at least one layer, e.g. {\"type\": \"linear\", \"out\": 10}")
        }
        var specs: [LayerSpec] = [], resolved: [JSON] = []
        for (index, element) in elements.enumerated() {
            let (spec, json) = try decode(element, at: "\(path)[\(index)]", warnings: &warnings)
            specs.append(spec)
            resolved.append(json)
        }
        return (specs, .array(resolved))
    }

    /// Keras' momentum is the weight of the OLD statistics; ours (PyTorch's) of the new.
    private static func momentumWarning(_ momentum: Double, at path: String) -> String {
        let complement = String(format: "%g", 1 - momentum)
        return "\(path): \(ConfigRange.format(momentum)) is the weight of the NEW batch statistics here (PyTorch's "
            + "convention: running = (1 - momentum) * running + momentum * batch); Keras/TensorFlow's "
            + "\(ConfigRange.format(momentum)) corresponds to \(complement)"
    }
}

extension LayerType {
    /// The `type` of a layer object, with a list of the known types when it is missing or unknown.
    static func decode(_ json: JSON, at path: String) throws -> LayerType {
        let known = names.joined(separator: ", ")
        guard case .object = json else {
            var hint: String?
            if case .string(let name) = json, LayerType(rawValue: name) != nil { hint = "write {\"type\": \"\(name)\"}" }
            throw DNNError.config(path, "expected a layer object with a \"type\" key, got \(json.quotedForMessage)", hint: hint)
        }
        guard let typeValue = json["type"], !typeValue.isNull else {
            throw DNNError.config(path, "missing required key \"type\"", hint: "known layer types: \(known)")
        }
        guard case .string(let name) = typeValue, let type = LayerType(rawValue: name) else {
            throw DNNError.config(ConfigObject.join(path, "type"),
                                  "unknown layer type \(typeValue.quotedForMessage); known types: \(known)",
                                  hint: typeValue.stringValue.flatMap { didYouMeanHint($0, in: names) })
        }
        return type
    }
}

extension Activation {
    /// The layer type a config names this function by.
    var layerType: LayerType {
        switch self {
        case .relu: .relu
        case .sigmoid: .sigmoid
        case .tanh: .tanh
        case .gelu: .gelu
        case .silu: .silu
        case .leakyReLU: .leakyReLU
        }
    }
}

/// "an" before a vowel sound (avgpool2d, instancenorm, rmsnorm, sgd), else "a".
func article(_ word: String) -> String {
    word.hasPrefix("rms") || word == "sgd" || word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
}
