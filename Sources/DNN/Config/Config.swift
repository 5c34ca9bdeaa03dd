/// A whole training setup, decoded from a config file and checked: what to read, which
/// network to build, and how to train it.
///
/// Plain values only; building layers and reading data happen elsewhere. Decode one with
/// `Config.load(path:overrides:)`; `resolvedJSON` writes it back with every default
/// filled in, the form stored in a run directory and a checkpoint.
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

    /// A config from its parts; `loss` defaults to cross-entropy, the only loss.
    public init(name: String, seed: UInt64 = 0, data: DataConfig, model: ModelConfig,
                loss: LossConfig = .crossEntropy, solver: SolverConfig) {
        self.name = name
        self.seed = seed
        self.data = data
        self.model = model
        self.loss = loss
        self.solver = solver
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
