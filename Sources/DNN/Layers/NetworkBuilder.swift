/// Turns `model.layers` into layers, inferring every shape from the input shape, so a
/// config that cannot work fails here, before the first step, with the layer's path.
public enum NetworkBuilder {
    /// The network for per-sample inputs of `inputShape` ([D] or [C, H, W]); weights are
    /// drawn from `random` in layer order.
    ///
    /// - Parameter memory: the estimate each layer adds to before its weights are
    ///   allocated; a layer whose weights or output cannot fit in memory is a config error
    ///   at its path (by default, for batches of one).
    public static func build<T: Scalar>(_ specs: [LayerSpec], inputShape: [Int], random: inout RandomGenerator,
                                        path: String = "model.layers",
                                        memory: MemoryPlan = MemoryPlan(batchSize: 1)) throws -> Sequential<T> {
        var shape = inputShape
        var layers: [any Layer<T>] = []
        for (index, spec) in specs.enumerated() {
            let layerPath = "\(path)[\(index)]"
            let layer: any Layer<T> = try build(spec, inputShape: shape, random: &random, path: layerPath,
                                                memory: memory)
            layers.append(layer)
            shape = layer.outputShape
            try memory.addOutput(shape, at: layerPath)
        }
        fuseBatchNormReLU(layers)
        return Sequential(layers, inputShape: inputShape)
    }

    /// A ReLU right after a batchnorm is computed by the batchnorm, in the passes it makes
    /// anyway: one read and write of the activations fewer, forward and backward. The
    /// layers, their indices and their state stay as written.
    private static func fuseBatchNormReLU<T: Scalar>(_ layers: [any Layer<T>]) {
        for index in layers.indices.dropLast() {
            guard let norm = layers[index] as? BatchNorm<T>, let relu = layers[index + 1] as? ActivationLayer<T>,
                  relu.function == .relu else { continue }
            norm.fusedReLU = true
            relu.passThrough = true
        }
    }

    /// The per-sample output shape of `specs` on `inputShape`, without keeping weights.
    public static func outputShape(of specs: [LayerSpec], inputShape: [Int], path: String = "model.layers") throws -> [Int] {
        var random = RandomGenerator(seed: 0)
        let network: Sequential<Float> = try build(specs, inputShape: inputShape, random: &random, path: path)
        return network.outputShape
    }

    private static func build<T: Scalar>(_ spec: LayerSpec, inputShape shape: [Int], random: inout RandomGenerator,
                                         path: String, memory: MemoryPlan) throws -> any Layer<T> {
        switch spec {
        case let .linear(out, bias, initScheme):
            guard shape.count <= 2 else {
                throw DNNError.config(path, "linear needs a flat input, but its input has shape \(describe(shape))",
                                      hint: "add {\"type\": \"flatten\"} before it")
            }
            try memory.addParameters([out, shape[shape.count - 1] + (bias ? 1 : 0)], at: path)
            return Linear<T>(inFeatures: shape[shape.count - 1], outFeatures: out,
                             positions: shape.count == 2 ? shape[0] : nil, bias: bias, initializer: initScheme,
                             random: &random)
        case .conv2d(let conv):
            let geometry = try convolutionGeometry(conv, shape: shape, path: path)
            try memory.addParameters([conv.out, shape[0] * conv.kernelHeight * conv.kernelWidth + (conv.bias ? 1 : 0)],
                                     at: path)
            return Conv2D<T>(geometry: geometry, outChannels: conv.out, bias: conv.bias,
                             initializer: conv.initScheme, random: &random)
        case .maxpool2d(let pool):
            return Pooling<T>(.max, geometry: try poolingGeometry(pool, type: "maxpool2d", shape: shape, path: path))
        case .avgpool2d(let pool):
            return Pooling<T>(.average, geometry: try poolingGeometry(pool, type: "avgpool2d", shape: shape, path: path))
        case .flatten:
            return Flatten<T>(inputShape: shape)
        case .activation(let function):
            return ActivationLayer<T>(function, shape: shape)
        case .dropout(let p):
            return Dropout<T>(p: p, shape: shape)
        case .dropout2d(let p):
            try requireImage(shape, type: "dropout2d", path: path)
            return Dropout<T>(channelwiseP: p, shape: shape)
        case let .batchnorm(momentum, eps):
            try requireBatchNormShape(shape, path: path)
            return BatchNorm<T>(shape: shape, momentum: momentum, eps: eps)
        case .layernorm(let eps):
            try requireFlatSequenceOrImage(shape, type: "layernorm", path: path)
            return LayerNorm<T>(shape: shape, eps: eps)
        case .instancenorm(let eps):
            try requireImage(shape, type: "instancenorm", path: path)
            return InstanceNorm<T>(shape: shape, eps: eps)
        case .rmsnorm(let eps):
            return RMSNorm<T>(shape: shape, eps: eps)
        case let .residual(bodySpecs, shortcutSpecs):
            let body: Sequential<T> = try build(bodySpecs, inputShape: shape, random: &random, path: "\(path).body",
                                                memory: memory)
            let shortcut: Sequential<T> = try build(shortcutSpecs, inputShape: shape, random: &random,
                                                    path: "\(path).shortcut", memory: memory)
            guard body.outputShape == shortcut.outputShape else {
                let what = shortcutSpecs.isEmpty ? "the identity shortcut passes" : "the shortcut outputs"
                throw DNNError.config(
                    path, "the residual body outputs \(describe(body.outputShape)) but \(what) \(describe(shortcut.outputShape))",
                    hint: "give the shortcut layers that produce the body's shape, e.g. a 1x1 conv2d with the body's stride and output channels")
            }
            return Residual<T>(body: body, shortcut: shortcut)
        case .conv1d, .maxpool1d, .avgpool1d, .globalAvgPool, .globalMaxPool, .transpose, .recurrent, .embedding,
             .positionalEmbedding, .attention:
            return try buildSequenceLayer(spec, inputShape: shape, random: &random, path: path, memory: memory)
        }
    }

    /// layernorm normalises [D], each position of [T, F], or all of [C, H, W].
    private static func requireFlatSequenceOrImage(_ shape: [Int], type: String, path: String) throws {
        guard shape.count <= 3 else {
            throw DNNError.config(path, "\(type) needs an input of shape [D], [T, F] or [C, H, W], got \(describe(shape))")
        }
    }

    /// An `lstm` or `gru` on [T, F]: its weights, and the states it keeps for backward, in the plan.
    static func recurrentLayer<T: Scalar>(_ spec: RecurrentSpec, shape: [Int], random: inout RandomGenerator,
                                                  path: String, memory: MemoryPlan) throws -> Recurrent<T> {
        guard shape.count == 2 else {
            throw DNNError.config(path, "\(spec.cell.rawValue) needs an input of shape [T, F] (steps, features), "
                                  + "but its input has shape \(describe(shape))",
                                  hint: "set model.input_shape, e.g. [128, 1] for rows of 128 values")
        }
        // Sizes from a config can be anything up to Int.max: every product and sum is checked.
        let perDirection = [spec.directions, spec.cell.gates, spec.hidden]
        try memory.addParameters(perDirection + [MemoryPlan.sum([shape[1], spec.hidden, 2])], at: path)
        if spec.layers > 1 {
            let width = MemoryPlan.product([spec.directions, spec.hidden])
            try memory.addParameters([spec.layers - 1] + perDirection + [MemoryPlan.sum([width, spec.hidden, 2])],
                                     at: path)
        }
        try memory.addOutput([MemoryPlan.product(Recurrent<T>.cachedScalarsPerSample(spec, steps: shape[0]))], at: path)
        return Recurrent<T>(spec, steps: shape[0], features: shape[1], random: &random)
    }

    private static func convolutionGeometry(_ conv: Conv2DSpec, shape: [Int], path: String) throws -> WindowGeometry {
        try requireImage(shape, type: "conv2d", path: path)
        let geometry = conv.window(over: shape)
        try checkFits(geometry, type: "conv2d", shape: shape, path: path)
        return geometry
    }

    private static func poolingGeometry(_ pool: PoolSpec, type: String, shape: [Int], path: String) throws -> WindowGeometry {
        try requireImage(shape, type: type, path: path)
        let geometry = pool.window(over: shape)
        try checkFits(geometry, type: type, shape: shape, path: path)
        return geometry
    }

    private static func checkFits(_ g: WindowGeometry, type: String, shape: [Int], path: String) throws {
        // Sizes from a config can be anything up to Int.max: add them without overflow first.
        let padded = [g.height, g.padTop, g.padBottom, g.width, g.padLeft, g.padRight]
        guard MemoryPlan.sum(padded) < Int.max / 2 else {
            throw DNNError.config(path, "the padding of \(type) is too large for any input",
                                  hint: "padding adds zeros on each side; use a size below the input's")
        }
        guard g.fits else {
            throw DNNError.config(
                path, "the \(g.kernelHeight)x\(g.kernelWidth) kernel of \(type) is larger than its padded input "
                    + "(\(g.height + g.padTop + g.padBottom)x\(g.width + g.padLeft + g.padRight), from input shape \(describe(shape)))",
                hint: "use a smaller kernel, more padding, or fewer pooling layers before it")
        }
    }

    static func requireImage(_ shape: [Int], type: String, path: String) throws {
        guard shape.count == 3 else {
            throw DNNError.config(path, "\(type) needs an input of shape [C, H, W], but its input has shape \(describe(shape))",
                                  hint: "set model.input_shape, e.g. [1, 28, 28] for 784 pixels")
        }
    }

    /// `[1, 28, 28]`.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}
