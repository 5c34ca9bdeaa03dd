import Foundation
import Testing
@testable import DNN

/// Configs shared by the config and override tests.
enum ConfigFixtures {
    static let base = "/home/user/configs"

    /// Uses every key of the contract, none at its default.
    static let full = #"""
        {
          "name": "full",
          "seed": 42,
          "data": {
            "train": {"format": "csv", "path": "data/train.csv", "label": "species"},
            "validation": {"split": 0.2},
            "test": {"format": "idx", "images": "/abs/t10k-images.gz", "labels": "../labels.gz"},
            "normalize": "standardize"
          },
          "model": {
            "input_shape": [1, 28, 28],
            "layers": [
              {"type": "conv2d", "out": 8, "kernel": 3, "stride": 1, "padding": "same", "bias": false, "init": "xavier"},
              {"type": "batchnorm", "momentum": 0.2, "eps": 0.001},
              {"type": "relu"},
              {"type": "maxpool2d", "kernel": [2, 3], "stride": 2, "padding": [1, 0]},
              {"type": "avgpool2d", "kernel": 2},
              {"type": "conv2d", "out": 4, "kernel": [3, 1], "stride": [2, 1], "padding": [1, 0],
               "init": "normal", "weight_scale": 0.05},
              {"type": "dropout2d", "p": 0.1},
              {"type": "residual",
               "body": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1}, {"type": "instancenorm", "eps": 1e-3},
                        {"type": "gelu"}],
               "shortcut": [{"type": "conv2d", "out": 4, "kernel": 1, "bias": false, "init": "torch"}]},
              {"type": "flatten"},
              {"type": "linear", "out": 32, "bias": true, "init": "he"},
              {"type": "layernorm", "eps": 1e-4},
              {"type": "leaky_relu", "slope": 0.2},
              {"type": "rmsnorm", "eps": 1e-5},
              {"type": "sigmoid"},
              {"type": "tanh"},
              {"type": "dropout", "p": 0.25},
              {"type": "linear", "out": 3, "bias": false, "init": "normal"}
            ]
          },
          "loss": {"type": "cross_entropy", "label_smoothing": 0.1, "weight": [1, 2, 0.5]},
          "solver": {
            "epochs": 5, "batch_size": 16, "shuffle": false, "drop_last": true, "lr_decay": 0.95, "reg": 0.0005,
            "print_every": 0, "init_from": "weights/./init.safetensors", "monitor": "val_loss",
            "early_stopping": {"patience": 3, "min_delta": 0.01}, "warmup": {"epochs": 2, "start_factor": 0.25},
            "clip_grad_norm": 5.0,
            "optimizer": {"type": "adamw", "lr": 0.002, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.05}
          }
        }
        """#

    /// The smallest valid config, with parts replaceable.
    static func config(layers: String = #"[{"type": "linear", "out": 10}]"#,
                       solver: String = #"{"epochs": 1, "optimizer": {"type": "sgd"}}"#,
                       data: String = #"{"train": {"format": "idx", "images": "i.gz", "labels": "l.gz"}}"#,
                       extra: String = "") -> String {
        #"{"data": \#(data), "model": {"layers": \#(layers)}, "solver": \#(solver)\#(extra)}"#
    }

    static func decode(_ text: String, base: String = base) throws -> (Config, [String]) {
        try Config.decode(try JSON.parse(text, file: "test.json"), baseDirectory: base, defaultName: "test")
    }

    /// The error decoding `text` throws, or nil after recording an issue.
    static func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> DNNError? {
        expectError(.config, sourceLocation: sourceLocation) { try decode(text).0 }
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dnn-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite struct ConfigTests {
    typealias F = ConfigFixtures

    @Test func fullConfigDecodesEveryKey() throws {
        let (config, warnings) = try F.decode(F.full)
        #expect(warnings.isEmpty)
        #expect(config.name == "full")
        #expect(config.seed == 42)
        #expect(config.data == DataConfig(
            train: .csv(path: "/home/user/configs/data/train.csv", labels: ["species"]),
            validation: .split(0.2, shuffle: true),
            test: .idx(images: "/abs/t10k-images.gz", labels: "/home/user/labels.gz"),
            normalize: .standardize))
        #expect(config.model.inputShape == [1, 28, 28])
        let expectedLayers: [LayerSpec] = [
            .conv2d(Conv2DSpec(out: 8, kernel: 3, padding: .same, bias: false, initScheme: .xavier)),
            .batchnorm(momentum: 0.2, eps: 0.001),
            .activation(.relu),
            .maxpool2d(PoolSpec(kernelHeight: 2, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                paddingHeight: 1, paddingWidth: 0)),
            .avgpool2d(PoolSpec(kernel: 2)),
            .conv2d(Conv2DSpec(out: 4, kernelHeight: 3, kernelWidth: 1, strideHeight: 2, strideWidth: 1,
                               padding: .explicit(height: 1, width: 0), initScheme: .normal(std: 0.05))),
            .dropout2d(p: 0.1),
            .residual(body: [.conv2d(Conv2DSpec(out: 4, kernel: 3, padding: .explicit(height: 1, width: 1))),
                             .instancenorm(eps: 1e-3), .activation(.gelu)],
                      shortcut: [.conv2d(Conv2DSpec(out: 4, kernel: 1, bias: false, initScheme: .torch))]),
            .flatten,
            .linear(out: 32, bias: true, init: .he),
            .layernorm(eps: 1e-4),
            .activation(.leakyReLU(slope: 0.2)),
            .rmsnorm(eps: 1e-5),
            .activation(.sigmoid),
            .activation(.tanh),
            .dropout(p: 0.25),
            .linear(out: 3, bias: false, init: .normal(std: 0.01)),
        ]
        #expect(config.model.layers.count == expectedLayers.count)
        for (index, (actual, expected)) in zip(config.model.layers, expectedLayers).enumerated() {
            #expect(actual == expected, "layer \(index)")
        }
        #expect(config.model.layers.map(\.typeName) == [
            "conv2d", "batchnorm", "relu", "maxpool2d", "avgpool2d", "conv2d", "dropout2d", "residual", "flatten",
            "linear", "layernorm", "leaky_relu", "rmsnorm", "sigmoid", "tanh", "dropout", "linear",
        ])
        #expect(config.loss == LossConfig(kind: .crossEntropy, labelSmoothing: 0.1, classWeights: .list([1, 2, 0.5])))
        #expect(config.solver == SolverConfig(
            epochs: 5, batchSize: 16, shuffle: false, dropLast: true, lrDecay: 0.95, reg: 0.0005, printEvery: 0,
            initFrom: "/home/user/configs/weights/init.safetensors", earlyStopping: EarlyStopping(patience: 3, minDelta: 0.01),
            monitor: .validationLoss, warmup: WarmupConfig(epochs: 2, startFactor: 0.25), clipGradNorm: 5.0,
            optimizer: .adamw(lr: 0.002, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05)))
    }

    @Test func defaultsFillEverythingButTheRequiredKeys() throws {
        let (config, warnings) = try F.decode(F.config())
        #expect(warnings.isEmpty)
        #expect(config.name == "test" && config.seed == 0 && config.loss == .crossEntropy)
        #expect(config.data == DataConfig(train: .idx(images: "/home/user/configs/i.gz", labels: "/home/user/configs/l.gz"),
                                          validation: nil, test: nil, normalize: .none))
        #expect(config.model == ModelConfig(inputShape: nil, layers: [.linear(out: 10, bias: true, init: .he)]))
        #expect(config.solver == SolverConfig(epochs: 1, batchSize: 32, shuffle: true, dropLast: false, lrDecay: 1.0,
                                              reg: 0, printEvery: 100, checkpointEvery: 0, initFrom: nil,
                                              earlyStopping: nil,
                                              optimizer: .sgd(lr: 1e-3, momentum: 0, nesterov: false, weightDecay: 0)))
    }

    @Test func layerDefaultsArePyTorchs() throws {
        let layers = #"""
            [{"type": "conv2d", "out": 2, "kernel": 5}, {"type": "maxpool2d", "kernel": 3}, {"type": "avgpool2d", "kernel": [2, 4]},
             {"type": "leaky_relu"}, {"type": "dropout"}, {"type": "dropout2d"}, {"type": "batchnorm"},
             {"type": "layernorm"}, {"type": "instancenorm"}, {"type": "rmsnorm"},
             {"type": "residual", "body": [{"type": "relu"}]}, {"type": "linear", "out": 1, "init": "normal"}]
            """#
        let (config, _) = try F.decode(F.config(layers: layers))
        #expect(config.model.layers == [
            .conv2d(Conv2DSpec(out: 2, kernelHeight: 5, kernelWidth: 5, strideHeight: 1, strideWidth: 1,
                               padding: .explicit(height: 0, width: 0), bias: true, initScheme: .he)),
            .maxpool2d(PoolSpec(kernelHeight: 3, kernelWidth: 3, strideHeight: 3, strideWidth: 3)),
            .avgpool2d(PoolSpec(kernelHeight: 2, kernelWidth: 4, strideHeight: 2, strideWidth: 4)),
            .activation(.leakyReLU(slope: 0.01)), .dropout(p: 0.5), .dropout2d(p: 0.5), .batchnorm(momentum: 0.1, eps: 1e-5),
            .layernorm(eps: 1e-5), .instancenorm(eps: 1e-5), .rmsnorm(eps: 1e-6),
            .residual(body: [.activation(.relu)], shortcut: []), .linear(out: 1, bias: true, init: .normal(std: 0.01)),
        ])
    }

    @Test func optimizerDefaultsAreTorchs() throws {
        func optimizer(_ json: String) throws -> OptimizerConfig {
            try F.decode(F.config(solver: #"{"epochs": 1, "optimizer": \#(json)}"#)).0.solver.optimizer
        }
        #expect(try optimizer(#"{"type": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": true}"#)
                == .sgd(lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0))
        #expect(try optimizer(#"{"type": "adam"}"#) == .adam(lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0))
        #expect(try optimizer(#"{"type": "adamw"}"#) == .adamw(lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01))
        #expect(try optimizer(#"{"type": "rmsprop"}"#) == .rmsprop(lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0))
        #expect(try optimizer(#"{"type": "rmsprop", "momentum": 0.5, "weight_decay": 1e-4}"#)
                == .rmsprop(lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0.5, weightDecay: 1e-4))
        #expect(try optimizer(#"{"type": "adam"}"#).learningRate == 1e-3)
    }

    @Test func validationSources() throws {
        let data = #"{"train": {"format": "csv", "path": "/d/t.csv", "label": "y"}, "validation": {"format": "csv", "path": "v.csv", "label": "y"}, "test": null, "normalize": "scale"}"#
        let (config, _) = try F.decode(F.config(data: data))
        #expect(config.data.validation == .source(.csv(path: "/home/user/configs/v.csv", labels: ["y"])))
        #expect(config.data.test == nil)
        #expect(config.data.normalize == .scale)
    }

    @Test func relativePathsResolveAgainstTheConfigFolder() throws {
        let data = #"{"train": {"format": "idx", "images": "../data/./mnist/../images.gz", "labels": "/abs//labels.gz"}}"#
        let (config, _) = try F.decode(F.config(data: data), base: "/home/user/configs/")
        #expect(config.data.train == .idx(images: "/home/user/data/images.gz", labels: "/abs/labels.gz"))
        #expect(ConfigDecoder.absolutePath("a/b/../../..", base: "/x") == "/")
        #expect(ConfigDecoder.absolutePath("./w.safetensors", base: "/runs/one") == "/runs/one/w.safetensors")
    }

    // MARK: Errors, each at its exact path

    @Test func malformedJSONNamesFileLineAndColumn() throws {
        let folder = try F.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.json").path
        try "{\n  \"seed\": 1,\n  \"data\": {,}\n}".write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try Config.load(path: file)
            Issue.record("expected a syntax error")
        } catch let error as DNNError {
            #expect(error.kind == .config)
            #expect(error.location == "\(file):3:12")
            #expect(error.message == "expected a key in double quotes, got ','")
        }
    }

    @Test func unknownTopLevelKeySuggestsTheNearest() {
        let error = F.error(F.config(extra: #", "sovler": {}"#))
        #expect(error?.location == "sovler")
        #expect(error?.message == "unknown key \"sovler\" in the config")
        #expect(error?.hint == "did you mean 'solver'?")
        #expect(error?.description == "sovler: unknown key \"sovler\" in the config (did you mean 'solver'?)")
        let far = F.error(F.config(extra: #", "xyzzy": 1"#))
        #expect(far?.hint == "valid keys: name, seed, data, model, loss, solver")
    }

    @Test func unknownLayerKeySuggestsTheNearest() {
        let error = F.error(F.config(layers: #"[{"type": "linear", "out": 4}, {"type": "batchnorm", "momentun": 0.1}]"#))
        #expect(error?.location == "model.layers[1].momentun")
        #expect(error?.message == "unknown key \"momentun\" in a batchnorm layer")
        #expect(error?.hint == "did you mean 'momentum'?")
        let pytorchName = F.error(F.config(layers: #"[{"type": "conv2d", "out": 4, "kernel_size": 3}]"#))
        #expect(pytorchName?.location == "model.layers[0].kernel_size")
        #expect(pytorchName?.hint == "did you mean 'kernel'? (kernel_size is spelled 'kernel' here)")
        let inFeatures = F.error(F.config(layers: #"[{"type": "linear", "in_features": 4, "out": 2}]"#))
        #expect(inFeatures?.hint == "the input size is inferred from the previous layer; remove \"in_features\"")
        let noKeys = F.error(F.config(layers: #"[{"type": "relu", "inplace": true}]"#))
        #expect(noKeys?.hint == "valid keys: type")
        let solverLR = F.error(F.config(solver: #"{"epochs": 1, "lr": 0.1, "optimizer": {"type": "sgd"}}"#))
        #expect(solverLR?.location == "solver.lr")
        #expect(solverLR?.hint == "lr belongs in solver.optimizer")
    }

    @Test func unknownLayerTypeListsTheKnownTypes() {
        let error = F.error(F.config(layers: #"[{"type": "linear", "out": 4}, {"type": "dense", "out": 3}]"#))
        #expect(error?.location == "model.layers[1].type")
        // Every type, in LayerType's order (a new type joins the list without editing this test).
        #expect(error?.message == "unknown layer type \"dense\"; known types: " + LayerType.names.joined(separator: ", "))
        #expect(LayerType.names.prefix(3) == ["linear", "conv2d", "maxpool2d"] && LayerType.names.contains("leaky_relu"))
        #expect(error?.hint == nil)
        let typo = F.error(F.config(layers: #"[{"type": "leakyrelu"}]"#))
        #expect(typo?.hint == "did you mean 'leaky_relu'?")
        let missing = F.error(F.config(layers: #"[{"out": 3}]"#))
        #expect(missing?.location == "model.layers[0]")
        #expect(missing?.message == "missing required key \"type\"")
        let bare = F.error(F.config(layers: #"["relu"]"#))
        #expect(bare?.message == "expected a layer object with a \"type\" key, got \"relu\"")
        #expect(bare?.hint == "write {\"type\": \"relu\"}")
    }

    @Test func wrongTypesSayWhatWasExpectedAndFound() {
        let ten = F.error(F.config(layers: #"[{"type": "relu"}, {"type": "relu"}, {"type": "linear", "out": "ten"}]"#))
        #expect(ten?.description == "model.layers[2].out: expected a positive integer, got \"ten\"")
        let fraction = F.error(F.config(layers: #"[{"type": "linear", "out": 3.5}]"#))
        #expect(fraction?.description == "model.layers[0].out: expected a positive integer, got 3.5")
        let decimalInteger = F.error(F.config(layers: #"[{"type": "linear", "out": 3.0}]"#))
        #expect(decimalInteger?.description == "model.layers[0].out: expected a positive integer, got 3.0")
        let flag = F.error(F.config(layers: #"[{"type": "linear", "out": 3, "bias": "yes"}]"#))
        #expect(flag?.description == "model.layers[0].bias: expected true or false, got \"yes\"")
        let number = F.error(F.config(solver: #"{"epochs": 1, "optimizer": {"type": "sgd", "lr": [0.1]}}"#))
        #expect(number?.description == "solver.optimizer.lr: expected a number, got an array")
        let object = F.error(F.config(solver: "3"))
        #expect(object?.description == "solver: expected an object, got 3")
        let root = F.error("[1]")
        #expect(root?.description == "config: expected a JSON object at the top level, got an array")
        let kernel = F.error(F.config(layers: #"[{"type": "conv2d", "out": 2, "kernel": [3, "x"]}]"#))
        #expect(kernel?.description == "model.layers[0].kernel[1]: expected a positive integer, got \"x\"")
        let kernelCount = F.error(F.config(layers: #"[{"type": "conv2d", "out": 2, "kernel": [3, 3, 3]}]"#))
        #expect(kernelCount?.description == "model.layers[0].kernel: expected an integer or [height, width], got an array of 3")
        let seed = F.error(F.config(extra: #", "seed": -1"#))
        #expect(seed?.description == "seed: must be at least 0, got -1")
        let huge = F.error(F.config(layers: #"[{"type": "linear", "out": 99999999999999999999}]"#))
        #expect(huge?.description == "model.layers[0].out: must be at most 9223372036854775807, got 99999999999999999999")
        let infinite = F.decodeError(["data": ["train": ["format": "idx", "images": "a", "labels": "b"]],
                                      "model": ["layers": [["type": "dropout", "p": .number(.infinity, text: "inf")]]],
                                      "solver": ["epochs": 1, "optimizer": ["type": "sgd"]]])
        #expect(infinite?.description == "model.layers[0].p: must be a finite number, got inf")
    }

    @Test func rangesUseTheContractsWording() {
        let p = F.error(F.config(layers: #"[{"type": "linear", "out": 4}, {"type": "relu"}, {"type": "linear", "out": 4}, {"type": "dropout", "p": 1.5}]"#))
        #expect(p?.description == "model.layers[3].p: must be in [0, 1), got 1.5")
        let epochs = F.error(F.config(solver: #"{"epochs": -2, "optimizer": {"type": "sgd"}}"#))
        #expect(epochs?.description == "solver.epochs: must be at least 1, got -2")
        let eps = F.error(F.config(layers: #"[{"type": "batchnorm", "eps": 0}]"#))
        #expect(eps?.description == "model.layers[0].eps: must be greater than 0, got 0")
        let momentum = F.error(F.config(layers: #"[{"type": "batchnorm", "momentum": 1.5}]"#))
        #expect(momentum?.description == "model.layers[0].momentum: must be in [0, 1], got 1.5")
        let split = F.error(F.config(data: #"{"train": {"format": "idx", "images": "i", "labels": "l"}, "validation": {"split": 1}}"#))
        #expect(split?.description == "data.validation.split: must be in (0, 1), got 1")
        let beta = F.error(F.config(solver: #"{"epochs": 1, "optimizer": {"type": "adam", "beta2": 1.0}}"#))
        #expect(beta?.description == "solver.optimizer.beta2: must be in [0, 1), got 1.0")
        let batch = F.error(F.config(solver: #"{"epochs": 1, "batch_size": 0, "optimizer": {"type": "sgd"}}"#))
        #expect(batch?.description == "solver.batch_size: must be at least 1, got 0")
        let patience = F.error(F.config(solver: #"{"epochs": 1, "early_stopping": {"patience": 0}, "optimizer": {"type": "sgd"}}"#))
        #expect(patience?.description == "solver.early_stopping.patience: must be at least 1, got 0")
        let decay = F.error(F.config(solver: #"{"epochs": 1, "lr_decay": 0, "optimizer": {"type": "sgd"}}"#))
        #expect(decay?.description == "solver.lr_decay: must be greater than 0, got 0")
        let shape = F.error(#"{"data": {"train": {"format": "idx", "images": "i", "labels": "l"}}, "model": {"input_shape": [1, 1, 28, 28], "layers": [{"type": "relu"}]}, "solver": {"epochs": 1, "optimizer": {"type": "sgd"}}}"#)
        #expect(shape?.description == "model.input_shape: must have 1, 2 or 3 entries ([features], [channels, positions] or [channels, height, width]), got 4")
    }

    @Test func nesterovNeedsMomentum() {
        let error = F.error(F.config(solver: #"{"epochs": 1, "optimizer": {"type": "sgd", "lr": 0.1, "nesterov": true}}"#))
        #expect(error?.location == "solver.optimizer.nesterov")
        #expect(error?.message == "needs momentum > 0 (torch's rule), got momentum 0")
    }

    @Test func samePaddingNeedsStrideOne() {
        let error = F.error(F.config(layers: #"[{"type": "conv2d", "out": 4, "kernel": 3, "stride": 2, "padding": "same"}]"#))
        #expect(error?.location == "model.layers[0].padding")
        #expect(error?.message == "\"same\" padding needs stride 1, got stride 2")
        let word = F.error(F.config(layers: #"[{"type": "conv2d", "out": 4, "kernel": 3, "padding": "full"}]"#))
        #expect(word?.description == "model.layers[0].padding: expected an integer, [height, width] or \"same\", got \"full\"")
    }

    @Test func poolPaddingAtMostHalfTheKernel() {
        let error = F.error(F.config(layers: #"[{"type": "maxpool2d", "kernel": 3, "padding": 2}]"#))
        #expect(error?.location == "model.layers[0].padding")
        #expect(error?.message == "must be at most half the kernel size (PyTorch's rule), got 2 for kernel 3")
        #expect(error?.hint == "kernel 3 allows padding up to 1")
        let pair = F.error(F.config(layers: #"[{"type": "avgpool2d", "kernel": [4, 2], "padding": [2, 2]}]"#))
        #expect(pair?.message == "must be at most half the kernel size (PyTorch's rule), got 2 for kernel [4, 2]")
    }

    @Test func missingAndMisplacedKeys() {
        let epochs = F.error(F.config(solver: #"{"optimizer": {"type": "sgd"}}"#))
        #expect(epochs?.description == "solver: missing required key \"epochs\"")
        let optimizer = F.error(F.config(solver: #"{"epochs": 3}"#))
        #expect(optimizer?.location == "solver")
        #expect(optimizer?.message == "missing required key \"optimizer\"")
        let data = F.error(#"{"model": {"layers": [{"type": "relu"}]}, "solver": {"epochs": 1, "optimizer": {"type": "sgd"}}}"#)
        #expect(data?.description.hasPrefix("config: missing required key \"data\"") == true)
        let out = F.error(F.config(layers: #"[{"type": "linear"}]"#))
        #expect(out?.description == "model.layers[0]: missing required key \"out\"")
        let empty = F.error(F.config(layers: "[]"))
        #expect(empty?.location == "model.layers")
        #expect(empty?.message == "must not be empty")
        let emptyBody = F.error(F.config(layers: #"[{"type": "residual", "body": []}]"#))
        #expect(emptyBody?.location == "model.layers[0].body")
        let nested = F.error(F.config(layers: #"[{"type": "residual", "body": [{"type": "relu"}, {"type": "dropout", "p": -0.1}]}]"#))
        #expect(nested?.description == "model.layers[0].body[1].p: must be in [0, 1), got -0.1")
        let scale = F.error(F.config(layers: #"[{"type": "linear", "out": 2, "weight_scale": 0.1}]"#))
        #expect(scale?.location == "model.layers[0].weight_scale")
        #expect(scale?.message == "only applies with \"init\": \"normal\", but init is \"he\"")
        let initName = F.error(F.config(layers: #"[{"type": "linear", "out": 2, "init": "xavir"}]"#))
        #expect(initName?.location == "model.layers[0].init")
        #expect(initName?.hint == "did you mean 'xavier'?")
    }

    @Test func unknownOptimizerAndFormatListTheKnownOnes() {
        let optimizer = F.error(F.config(solver: #"{"epochs": 1, "optimizer": {"type": "adma"}}"#))
        #expect(optimizer?.location == "solver.optimizer.type")
        #expect(optimizer?.message == "unknown optimizer type \"adma\"; known types: sgd, adam, adamw, rmsprop")
        #expect(optimizer?.hint == "did you mean 'adam'?")
        let key = F.error(F.config(solver: #"{"epochs": 1, "optimizer": {"type": "sgd", "momentun": 0.9}}"#))
        #expect(key?.location == "solver.optimizer.momentun")
        #expect(key?.hint == "did you mean 'momentum'?")
        let format = F.error(F.config(data: #"{"train": {"format": "csvv", "path": "a.csv", "label": "y"}}"#))
        #expect(format?.location == "data.train.format")
        #expect(format?.message == "unknown format \"csvv\"; known: csv, idx, npy, npz, cifar10, cifar100, images, text")
        #expect(format?.hint == "did you mean 'csv'?")
        let wrongKey = F.error(F.config(data: #"{"train": {"format": "csv", "images": "a", "path": "a.csv", "label": "y"}}"#))
        #expect(wrongKey?.description.hasPrefix("data.train.images: unknown key \"images\" in a csv source") == true)
        let normalize = F.error(F.config(data: #"{"train": {"format": "idx", "images": "i", "labels": "l"}, "normalize": "standardise"}"#))
        #expect(normalize?.location == "data.normalize")
        #expect(normalize?.hint == "did you mean 'standardize'?")
        let loss = F.error(F.config(extra: #", "loss": {"type": "msee"}"#))
        #expect(loss?.message == "unknown loss type \"msee\"; known: cross_entropy, mse, l1, huber")
        #expect(loss?.hint == "did you mean 'mse'?")
    }

    @Test func batchnormMomentumAboveHalfWarns() throws {
        let layers = #"[{"type": "linear", "out": 4}, {"type": "batchnorm", "momentum": 0.9}, {"type": "batchnorm", "momentum": 0.5}]"#
        let (config, warnings) = try F.decode(F.config(layers: layers))
        #expect(config.model.layers[1] == .batchnorm(momentum: 0.9, eps: 1e-5))
        #expect(warnings == [
            "model.layers[1].momentum: 0.9 is the weight of the NEW batch statistics here (PyTorch's convention: "
                + "running = (1 - momentum) * running + momentum * batch); Keras/TensorFlow's 0.9 corresponds to 0.1",
        ])
        let (_, none) = try F.decode(F.config(layers: #"[{"type": "batchnorm"}]"#))
        #expect(none.isEmpty)
    }

    // MARK: Resolved config

    @Test func resolvedJSONRoundTrips() throws {
        let scheduled = F.config(solver: #"{"epochs": 4, "lr_schedule": {"type": "multistep", "milestones": [2, 3]}, "optimizer": {"type": "sgd"}}"#)
        for text in [F.full, F.config(), scheduled] {
            let (config, _) = try F.decode(text)
            let written = config.resolvedJSON.serialized(pretty: true)
            let reread = try JSON.parse(written, file: "config.json")
            #expect(reread == config.resolvedJSON)
            let (again, _) = try Config.decode(reread, baseDirectory: "/elsewhere", defaultName: "other")
            #expect(again == config)
        }
    }

    @Test func resolvedJSONListsEveryKeyWithItsDefault() throws {
        let (config, _) = try F.decode(F.config())
        let json = config.resolvedJSON
        #expect(json.object?.map(\.key) == ["name", "seed", "data", "model", "loss", "solver"])
        #expect(json["solver"]?.object?.map(\.key) == ["epochs", "batch_size", "shuffle", "drop_last", "lr_decay", "reg",
                                                      "print_every", "checkpoint_every", "init_from", "monitor",
                                                      "early_stopping", "lr_schedule", "warmup", "clip_grad_norm",
                                                      "precision", "optimizer"])
        #expect(json["solver"]?["monitor"] == "val_accuracy")
        #expect(json["solver"]?["lr_schedule"] == .null && json["solver"]?["clip_grad_norm"] == .null)
        #expect(json["solver"]?["optimizer"] == ["type": "sgd", "lr": 0.001, "momentum": 0.0, "nesterov": false,
                                                "weight_decay": 0.0])
        #expect(json["data"]?["validation"] == .null)
        #expect(json["data"]?["train"]?["images"] == "/home/user/configs/i.gz")
        #expect(json["model"]?["layers"] == [["type": "linear", "out": 10, "bias": true, "init": "he"]])
        #expect(json["loss"] == ["type": "cross_entropy", "label_smoothing": 0.0, "weight": .null])
        #expect(json.serialized(pretty: false).hasPrefix(#"{"name":"test","seed":0,"data":{"train":{"format":"idx","#))
        let (full, _) = try F.decode(F.full)
        let layers = full.resolvedJSON["model"]?["layers"]
        #expect(layers?[0] == ["type": "conv2d", "out": 8, "kernel": 3, "stride": 1, "padding": "same", "bias": false,
                               "init": "xavier"])
        #expect(layers?[3] == ["type": "maxpool2d", "kernel": [2, 3], "stride": 2, "padding": [1, 0]])
        #expect(layers?[5]?["weight_scale"] == 0.05)
    }

    // MARK: Loading files

    @Test func loadResolvesPathsAgainstTheConfigFileAndNamesTheRun() throws {
        let folder = try F.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configs = folder.appendingPathComponent("configs")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        let file = configs.appendingPathComponent("mnist-mlp.json").path
        let text = F.config(solver: #"{"epochs": 2, "init_from": "w.safetensors", "optimizer": {"type": "sgd"}}"#,
                            data: #"{"train": {"format": "csv", "path": "../data/train.csv", "label": "y"}}"#)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = try Config.load(path: file, overrides: ["seed=7"])
        let root = ConfigDecoder.absolutePath(folder.path, base: "/")
        #expect(loaded.config.name == "mnist-mlp")
        #expect(loaded.config.seed == 7)
        #expect(loaded.config.data.train == .csv(path: root + "/data/train.csv", labels: ["y"]))
        #expect(loaded.config.solver.initFrom == root + "/configs/w.safetensors")
        #expect(loaded.json["seed"] == 7)
        #expect(loaded.warnings.isEmpty)
    }

    @Test func loadReportsMissingFilesAndFolders() throws {
        do {
            _ = try Config.load(path: "/nonexistent/dnn/config.json")
            Issue.record("expected an error")
        } catch let error as DNNError {
            #expect(error.kind == .io)
            #expect(error.description == "/nonexistent/dnn/config.json: no such config file")
        }
        let folder = try F.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: DNNError(.io, at: folder.path, "is a folder, expected a JSON config file")) {
            try Config.load(path: folder.path)
        }
        let binary = folder.appendingPathComponent("binary.json")
        try Data([0x7B, 0xFF, 0xFE, 0x7D]).write(to: binary)
        #expect(throws: DNNError(.config, at: binary.path, "the config file is not UTF-8 text")) {
            try Config.load(path: binary.path)
        }
    }

    /// Every value of the full config replaced by values of every other kind: decoding
    /// succeeds or throws a `DNNError` naming a path; it never traps.
    @Test func everyWrongValueIsAnErrorNotATrap() throws {
        let json = try JSON.parse(F.full, file: "t")
        var paths: [[String]] = []
        func collect(_ value: JSON, _ path: [String]) {
            paths.append(path)
            switch value {
            case .object(let members): for member in members { collect(member.value, path + [member.key]) }
            case .array(let elements): for (i, element) in elements.enumerated() { collect(element, path + [String(i)]) }
            default: break
            }
        }
        collect(json, [])
        let replacements: [JSON] = [.null, true, 0, -1, 1.5, 1e300, "x", "same", [], [0, 0], [:], ["type": "relu"]]
        var errors = 0
        for path in paths.dropFirst() {
            for replacement in replacements {
                let changed = try json.applying(Override(path: path, value: replacement))
                do {
                    _ = try Config.decode(changed, baseDirectory: "/b", defaultName: "d")
                } catch let error as DNNError {
                    errors += 1
                    #expect(error.kind == .config)
                    #expect(error.location?.isEmpty == false)
                }
            }
        }
        #expect(errors > paths.count)
    }
}

extension ConfigFixtures {
    /// The error decoding a JSON value throws, or nil after recording an issue.
    static func decodeError(_ json: JSON, sourceLocation: SourceLocation = #_sourceLocation) -> DNNError? {
        expectError(.config, sourceLocation: sourceLocation) {
            try Config.decode(json, baseDirectory: base, defaultName: "test").0
        }
    }
}
