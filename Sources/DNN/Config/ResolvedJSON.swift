extension Config {
    /// The resolved config: every key with its value, defaults filled in, paths absolute,
    /// keys in a fixed order, absent options as `null`. This is the `config.json` of a run
    /// directory and the config stored in a checkpoint; decoding it again (from any
    /// folder) gives the same `Config`.
    public var resolvedJSON: JSON {
        [
            "name": .string(name),
            "seed": .integer(seed),
            "data": data.resolvedJSON,
            "model": model.resolvedJSON,
            "loss": ["type": .string(loss.typeName)],
            "solver": solver.resolvedJSON,
        ]
    }
}

extension DataConfig {
    var resolvedJSON: JSON {
        let validationJSON: JSON = switch validation {
        case nil: .null
        case .split(let fraction)?: ["split": .number(fraction)]
        case .source(let source)?: source.resolvedJSON
        }
        return [
            "train": train.resolvedJSON,
            "validation": validationJSON,
            "test": test?.resolvedJSON ?? .null,
            "normalize": .string(normalize.rawValue),
        ]
    }
}

extension DataSource {
    var resolvedJSON: JSON {
        switch self {
        case .csv(let path, let label): ["format": "csv", "path": .string(path), "label": .string(label)]
        case .idx(let images, let labels): ["format": "idx", "images": .string(images), "labels": .string(labels)]
        }
    }
}

extension ModelConfig {
    var resolvedJSON: JSON {
        [
            "input_shape": inputShape.map { .array($0.map { .integer($0) }) } ?? .null,
            "layers": .array(layers.map(\.resolvedJSON)),
        ]
    }
}

extension LayerSpec {
    /// `{"type": ..., every parameter}`.
    var resolvedJSON: JSON {
        var members: [(key: String, value: JSON)] = [("type", .string(typeName))]
        func add(_ key: String, _ value: JSON) { members.append((key, value)) }
        func addInit(_ scheme: InitScheme) {
            add("init", .string(scheme.name))
            if case .normal(let std) = scheme { add("weight_scale", .number(std)) }
        }
        switch self {
        case .linear(let out, let bias, let scheme):
            add("out", .integer(out))
            add("bias", .bool(bias))
            addInit(scheme)
        case .conv2d(let spec):
            add("out", .integer(spec.out))
            add("kernel", LayerSpec.pair(spec.kernelHeight, spec.kernelWidth))
            add("stride", LayerSpec.pair(spec.strideHeight, spec.strideWidth))
            switch spec.padding {
            case .same: add("padding", "same")
            case .explicit(let height, let width): add("padding", LayerSpec.pair(height, width))
            }
            add("bias", .bool(spec.bias))
            addInit(spec.initScheme)
        case .maxpool2d(let spec), .avgpool2d(let spec):
            add("kernel", LayerSpec.pair(spec.kernelHeight, spec.kernelWidth))
            add("stride", LayerSpec.pair(spec.strideHeight, spec.strideWidth))
            add("padding", LayerSpec.pair(spec.paddingHeight, spec.paddingWidth))
        case .flatten, .relu, .sigmoid, .tanh, .gelu:
            break
        case .leakyReLU(let slope):
            add("slope", .number(slope))
        case .dropout(let p), .dropout2d(let p):
            add("p", .number(p))
        case .batchnorm(let momentum, let eps):
            add("momentum", .number(momentum))
            add("eps", .number(eps))
        case .layernorm(let eps), .instancenorm(let eps), .rmsnorm(let eps):
            add("eps", .number(eps))
        case .residual(let body, let shortcut):
            add("body", .array(body.map(\.resolvedJSON)))
            add("shortcut", .array(shortcut.map(\.resolvedJSON)))
        }
        return .object(members)
    }

    /// `3` for a square size, `[3, 5]` otherwise.
    private static func pair(_ height: Int, _ width: Int) -> JSON {
        height == width ? .integer(height) : [.integer(height), .integer(width)]
    }
}

extension SolverConfig {
    var resolvedJSON: JSON {
        [
            "epochs": .integer(epochs),
            "batch_size": .integer(batchSize),
            "shuffle": .bool(shuffle),
            "drop_last": .bool(dropLast),
            "lr_decay": .number(lrDecay),
            "reg": .number(reg),
            "print_every": .integer(printEvery),
            "init_from": initFrom.map { .string($0) } ?? .null,
            "early_stopping": earlyStopping.map { ["patience": .integer($0.patience)] } ?? .null,
            "optimizer": optimizer.resolvedJSON,
        ]
    }
}

extension OptimizerConfig {
    var resolvedJSON: JSON {
        switch self {
        case .sgd(let lr, let momentum, let nesterov, let weightDecay):
            ["type": "sgd", "lr": .number(lr), "momentum": .number(momentum), "nesterov": .bool(nesterov),
             "weight_decay": .number(weightDecay)]
        case .adam(let lr, let beta1, let beta2, let eps, let weightDecay),
             .adamw(let lr, let beta1, let beta2, let eps, let weightDecay):
            ["type": .string(typeName), "lr": .number(lr), "beta1": .number(beta1), "beta2": .number(beta2),
             "eps": .number(eps), "weight_decay": .number(weightDecay)]
        case .rmsprop(let lr, let alpha, let eps, let momentum, let weightDecay):
            ["type": "rmsprop", "lr": .number(lr), "alpha": .number(alpha), "eps": .number(eps),
             "momentum": .number(momentum), "weight_decay": .number(weightDecay)]
        }
    }
}
