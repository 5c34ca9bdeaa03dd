import Foundation

/// A model checkpoint: a safetensors file whose tensors are exactly the `state_dict()`
/// of the equivalent PyTorch `nn.Sequential`, and whose `__metadata__` holds what `dnn`
/// needs to use the model again.
///
/// Metadata keys: `format` (`dnn-checkpoint/1`), `config` (the resolved config as JSON,
/// absolute paths, `model.input_shape` always set), `classes` (JSON array of class
/// names; index = class id; empty for regression), `normalization` (JSON),
/// `target_normalization` (regression with `normalize_target`: how targets were scaled,
/// in the format of `normalization`), `encoding` (a CSV table's `TableEncoding` as JSON:
/// features, categories, fill values, indicator columns), `epoch`, `metrics` (that epoch's metrics row as JSON), `dnn_version`.
public struct Checkpoint: Sendable {
    public static let format = "dnn-checkpoint/1"

    public var config: Config
    public var configJSON: JSON
    public var classes: ClassEncoding
    public var normalization: Normalization
    /// Regression: `data.normalize_target`'s statistics, undone on predictions; `.none` otherwise.
    public var targetNormalization: Normalization = .none
    /// How raw CSV columns become the features; nil for plain numeric tables and images.
    public var encoding: TableEncoding?
    public var epoch: Int
    public var metrics: JSON?
    /// The state tensors, by `state_dict()` name.
    public var tensors: SafeTensors

    /// Per-sample input shape of the model.
    public var inputShape: [Int] { config.model.inputShape ?? [] }

    /// The values the model outputs per sample: one score per class, or one prediction per
    /// target column.
    public var outputCount: Int {
        config.loss.isRegression ? config.data.train.labelColumns.count : classes.names.count
    }

    /// The state of `network` as safetensors tensors: Float32 parameters and buffers,
    /// I64 scalars for counters.
    public static func stateTensors<T: Scalar>(of network: Sequential<T>) -> [(name: String, tensor: SafeTensors.Tensor)] {
        network.state.map { name, entry in
            switch entry {
            case .parameter(let parameter):
                return (name, SafeTensors.Tensor(parameter.value.array.map { Float($0) }, shape: parameter.value.shape))
            case .buffer(let tensor):
                return (name, SafeTensors.Tensor(tensor.array.map { Float($0) }, shape: tensor.shape))
            case .counter(let counter):
                return (name, SafeTensors.Tensor(int64: Int64(counter.value)))
            }
        }
    }

    /// Writes `network` with this metadata to `path` atomically.
    public static func write<T: Scalar>(_ network: Sequential<T>, configJSON: JSON, classes: ClassEncoding,
                                        normalization: Normalization, targetNormalization: Normalization = .none,
                                        encoding: TableEncoding? = nil, epoch: Int, metrics: JSON?, to path: String) throws {
        var metadata: [String: String] = [
            "format": format,
            "config": configJSON.serialized(pretty: false),
            "classes": JSON.array(classes.names.map { .string($0) }).serialized(pretty: false),
            "normalization": normalization.jsonString,
            "epoch": String(epoch),
            "dnn_version": DNNVersion.current,
        ]
        if let metrics { metadata["metrics"] = metrics.serialized(pretty: false) }
        if targetNormalization != .none { metadata["target_normalization"] = targetNormalization.jsonString }
        if let encoding { metadata["encoding"] = encoding.json.serialized(pretty: false) }
        try SafeTensors(tensors: stateTensors(of: network), metadata: metadata).write(to: path)
    }

    /// Reads a checkpoint written by `dnn`; every problem is a `.checkpoint` error naming the file.
    public static func read(path: String) throws -> Checkpoint {
        let file = try SafeTensors.read(path: path)
        func field(_ key: String) throws -> String {
            guard let value = file.metadata[key] else {
                throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'",
                               "is missing; this file was not written by dnn train",
                               hint: "use it with solver.init_from instead, which needs only the tensors")
            }
            return value
        }
        func parse(_ key: String) throws -> JSON {
            do {
                return try JSON.parse(try field(key), file: "\(path): metadata '\(key)'")
            } catch let error as DNNError where error.kind == .config {
                throw DNNError(.checkpoint, at: error.location, error.message)
            }
        }
        guard try field("format") == format else {
            throw DNNError(.checkpoint, at: "\(path): metadata 'format'",
                           "is '\(file.metadata["format"] ?? "")', expected '\(format)'")
        }
        let configJSON = try parse("config")
        let config: Config
        do {
            config = try Config.decode(configJSON, baseDirectory: "/", defaultName: "checkpoint").0
        } catch let error as DNNError {
            throw DNNError(.checkpoint, at: "\(path): metadata 'config'", error.description)
        }
        guard let names = try parse("classes").array?.compactMap(\.stringValue),
              !names.isEmpty || config.loss.isRegression else {
            throw DNNError(.checkpoint, at: "\(path): metadata 'classes'", "is not a JSON array of class names")
        }
        func normalization(_ key: String) throws -> Normalization {
            do {
                return try Normalization(jsonString: try field(key))
            } catch let error as DNNError {
                throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", error.message)
            }
        }
        let inputNormalization = try normalization("normalization")
        let targetNormalization = file.metadata["target_normalization"] == nil ? .none
            : try normalization("target_normalization")
        guard let epoch = Int(try field("epoch")), epoch >= 0 else {
            throw DNNError(.checkpoint, at: "\(path): metadata 'epoch'", "is not a non-negative integer")
        }
        guard config.model.inputShape != nil else {
            throw DNNError(.checkpoint, at: "\(path): metadata 'config'", "has no model.input_shape")
        }
        let metrics = file.metadata["metrics"] == nil ? nil : try parse("metrics")
        var checkpoint = Checkpoint(config: config, configJSON: configJSON, classes: ClassEncoding(names: names),
                                    normalization: inputNormalization, targetNormalization: targetNormalization,
                                    epoch: epoch, metrics: metrics, tensors: file)
        if file.metadata["encoding"] != nil {
            checkpoint.encoding = try TableEncoding(json: try parse("encoding"), location: "\(path): metadata 'encoding'")
        }
        return checkpoint
    }

    /// The checkpoint's network, built from its config and loaded strictly.
    /// - Parameter path: the file, named in errors.
    public func network(path: String) throws -> Sequential<Float> {
        var random = RandomGenerator(seed: 0)
        let network: Sequential<Float>
        do {
            network = try NetworkBuilder.build(config.model.layers, inputShape: inputShape, random: &random)
        } catch let error as DNNError {
            throw DNNError(.checkpoint, at: "\(path): metadata 'config'", error.description)
        }
        guard network.outputShape.last == outputCount, network.outputShape.count == 1 || config.data.train.isText else {
            let what = config.loss.isRegression ? "target columns" : "classes"
            throw DNNError(.checkpoint, at: path, "the model outputs \(NetworkBuilder.describe(network.outputShape)) "
                + "but the checkpoint has \(outputCount) \(what)")
        }
        try Checkpoint.load(tensors, into: network, strict: true, path: path)
        return network
    }

    /// Copies tensors of `file` into `network`.
    ///
    /// - Parameter strict: every state entry of the network must be in the file and every
    ///   tensor of the file in the network (a checkpoint); otherwise the file may hold a
    ///   subset (`init_from`), but no tensor the network lacks.
    /// - Throws: `.checkpoint` errors naming the tensor: missing, unexpected, wrong shape or dtype.
    public static func load<T: Scalar>(_ file: SafeTensors, into network: Sequential<T>, strict: Bool,
                                       path: String) throws {
        let state = network.state
        let names = Set(state.map(\.name))
        for (name, _) in file.tensors where !names.contains(name) {
            let known = state.map(\.name)
            throw DNNError(.checkpoint, at: "\(path): tensor '\(name)'", "is not a tensor of this model",
                           hint: nearest(name, in: known).map { "did you mean '\($0)'?" }
                               ?? "the model has \(known.count) tensors: \(known.prefix(6).joined(separator: ", "))…")
        }
        for (name, entry) in state {
            guard let tensor = file[name] else {
                if strict {
                    throw DNNError(.checkpoint, at: "\(path): tensor '\(name)'", "is missing",
                                   hint: "the checkpoint was written for a different model")
                }
                continue
            }
            let location = "\(path): tensor '\(name)'"
            switch entry {
            case .parameter(let parameter):
                try copy(tensor, into: parameter.value, location: location, name: name, path: path)
            case .buffer(let buffer):
                try copy(tensor, into: buffer, location: location, name: name, path: path)
            case .counter(let counter):
                guard tensor.shape.isEmpty || tensor.shape == [1] else {
                    throw DNNError(.checkpoint, at: location, "has shape \(tensor.shape), expected a scalar")
                }
                counter.value = Int(try tensor.int64Value(name: name, file: path))
            }
        }
    }

    private static func copy<T: Scalar>(_ tensor: SafeTensors.Tensor, into target: Tensor<T>, location: String,
                                        name: String, path: String) throws {
        guard tensor.shape == target.shape else {
            throw DNNError(.checkpoint, at: location,
                           "has shape \(NetworkBuilder.describe(tensor.shape)) but the model's is \(NetworkBuilder.describe(target.shape))",
                           hint: "the checkpoint was written for a different model or input shape")
        }
        let values: [T] = try tensor.values(as: T.self, name: name, file: path)
        for (index, value) in values.enumerated() { target.data[index] = value }
    }
}

/// The version `dnn --version` prints and checkpoints record.
public enum DNNVersion {
    public static let current = "0.1.0"
}
