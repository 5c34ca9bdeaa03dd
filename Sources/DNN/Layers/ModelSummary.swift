/// A table of a model's layers, like Keras' `summary()` and torchinfo: per layer the
/// output shape, parameter count, FLOPs and activation memory per sample.
///
/// FLOPs count a multiply-add as two for linear and convolution layers (plus one per
/// output for a bias), one per window element for pooling, one per element for
/// activations, dropout and the residual addition, and five per element for the
/// normalisations (centre, scale, shift and their statistics). They are forward FLOPs of
/// one sample; a training step costs about three times as much.
public struct ModelSummary: Sendable {
    public struct Row: Sendable {
        /// The state_dict prefix and the type: `3 conv2d`, `4.body.0 conv2d`.
        public var name: String
        /// 0 for the network's layers, 1 inside a residual block, and so on.
        public var depth: Int
        public var outputShape: [Int]
        /// Trainable scalars (weights, biases, norm affines), not buffers.
        public var parameters: Int
        public var flops: Int
        /// Bytes of this layer's output per sample, in Float32.
        public var activationBytes: Int
    }

    public var inputShape: [Int]
    public var rows: [Row]

    /// Totals over the network's own layers (residual blocks include their children once).
    public var parameters: Int { rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.parameters } }
    public var flops: Int { rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.flops } }
    public var activationBytes: Int { rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.activationBytes } }
    /// Bytes of the trainable parameters in Float32.
    public var parameterBytes: Int { parameters * 4 }

    /// The summary of `specs` on per-sample inputs of `inputShape`.
    public init(_ specs: [LayerSpec], inputShape: [Int]) throws {
        var random = RandomGenerator(seed: 0)
        let network: Sequential<Float> = try NetworkBuilder.build(specs, inputShape: inputShape, random: &random)
        self.inputShape = inputShape
        rows = []
        Self.add(network, specs: specs, inputShape: inputShape, prefix: "", depth: 0, into: &rows)
    }

    private static func add(_ sequential: Sequential<Float>, specs: [LayerSpec], inputShape: [Int], prefix: String,
                            depth: Int, into rows: inout [Row]) {
        var shape = inputShape
        for (index, (layer, spec)) in zip(sequential.layers, specs).enumerated() {
            let name = "\(prefix)\(index)"
            let outputs = layer.outputShape.reduce(1, *)
            let parameters = layer.parameters.reduce(0) { $0 + $1.parameter.value.count }
            let row = rows.count
            rows.append(Row(name: "\(name) \(spec.typeName)", depth: depth, outputShape: layer.outputShape,
                            parameters: parameters, flops: 0, activationBytes: outputs * 4))
            if case let .residual(bodySpecs, shortcutSpecs) = spec, let block = layer as? Residual<Float> {
                let before = rows.count
                add(block.body, specs: bodySpecs, inputShape: shape, prefix: "\(name).body.", depth: depth + 1, into: &rows)
                add(block.shortcut, specs: shortcutSpecs, inputShape: shape, prefix: "\(name).shortcut.",
                    depth: depth + 1, into: &rows)
                let children = rows[before...].filter { $0.depth == depth + 1 }
                rows[row].flops = children.reduce(outputs) { $0 + $1.flops }
                rows[row].activationBytes += children.reduce(0) { $0 + $1.activationBytes }
            } else {
                rows[row].flops = flops(of: layer, spec: spec, inputShape: shape)
            }
            shape = layer.outputShape
        }
    }

    private static func flops(of layer: any Layer<Float>, spec: LayerSpec, inputShape: [Int]) -> Int {
        let outputs = layer.outputShape.reduce(1, *)
        switch spec {
        case .linear(let out, let bias, _):
            return 2 * inputShape.reduce(1, *) * out + (bias ? out : 0)
        case .conv2d(let conv):
            let g = (layer as? Conv2D<Float>)?.geometry
            let taps = (g?.channels ?? 0) * conv.kernelHeight * conv.kernelWidth
            return 2 * taps * outputs + (conv.bias ? outputs : 0)
        case .maxpool2d(let pool), .avgpool2d(let pool):
            return pool.kernelHeight * pool.kernelWidth * outputs
        case .flatten:
            return 0
        case .relu, .sigmoid, .tanh, .gelu, .leakyReLU, .dropout, .dropout2d:
            return outputs
        case .batchnorm, .layernorm, .instancenorm, .rmsnorm:
            return 5 * outputs
        case .residual:
            return outputs
        }
    }
}
