/// A whole training setup, decoded from a config file and checked: what to read, which
/// network to build, and how to train it.
///
/// Plain values only; building layers and reading data happen elsewhere. Decode one with
/// `Config.load(path:overrides:)`; `resolvedJSON` is the decoder's record of it with every
/// default filled in, the form stored in a run directory and a checkpoint.
public struct Config: Equatable, Sendable {
    /// The run's name; defaults to the config file's name without its extension.
    public var name: String
    /// Seeds initial weights, shuffling and dropout (`--seed` overrides it).
    public var seed: UInt64
    /// The datasets.
    public var data: DataConfig
    /// The network.
    public var model: ModelConfig
    /// The training objective.
    public var loss: LossConfig
    /// The training loop and optimizer.
    public var solver: SolverConfig
    /// Every key with its resolved value (defaults filled in, paths absolute, absent
    /// options `null`), in a fixed order, as the decoder read them; decoding it again
    /// (from any folder) gives the same `Config`.
    public private(set) var resolvedJSON: JSON

    init(name: String, seed: UInt64, data: DataConfig, model: ModelConfig, loss: LossConfig,
         solver: SolverConfig, resolvedJSON: JSON) {
        self.name = name
        self.seed = seed
        self.data = data
        self.model = model
        self.loss = loss
        self.solver = solver
        self.resolvedJSON = resolvedJSON
    }

    /// This config with `model.input_shape` set (in the resolved JSON too): what a run
    /// records once the data has told the shape.
    public func withInputShape(_ shape: [Int]) -> Config {
        var config = self
        config.model.inputShape = shape
        config.replaceResolved("model", "input_shape", with: .array(shape.map { .integer($0) }))
        return config
    }

    /// This config with `loss.weight` set to a list (in the resolved JSON too): what a run
    /// records once `"balanced"` has been computed on its training rows, so the
    /// checkpoint's config holds the weights its loss used.
    public func withClassWeights(_ weights: [Double]) -> Config {
        var config = self
        config.loss.classWeights = .list(weights)
        config.replaceResolved("loss", "weight", with: .array(weights.map { .number($0) }))
        return config
    }

    /// Replaces `section.key` of the resolved JSON where it is present.
    private mutating func replaceResolved(_ section: String, _ key: String, with value: JSON) {
        guard case .object(var members) = resolvedJSON, let index = members.firstIndex(where: { $0.key == section }),
              case .object(var object) = members[index].value,
              let keyIndex = object.firstIndex(where: { $0.key == key }) else { return }
        object[keyIndex].value = value
        members[index].value = .object(object)
        resolvedJSON = .object(members)
    }

    /// The top-level keys of a config file, in the order a resolved config lists them.
    public static let keys = ["name", "seed", "data", "model", "loss", "solver"]
}

/// A decoded config together with what came out of reading it.
public struct LoadedConfig: Equatable, Sendable {
    /// The decoded config.
    public var config: Config
    /// Suspicious but legal values, each starting with its JSON path.
    public var warnings: [String]
    /// The config file's JSON after `--set` overrides, before defaults.
    public var json: JSON

    /// The parts of a loaded config.
    public init(config: Config, warnings: [String], json: JSON) {
        self.config = config
        self.warnings = warnings
        self.json = json
    }
}
