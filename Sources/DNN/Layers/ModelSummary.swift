/// A table of a model's layers, like Keras' `summary()` and torchinfo: per layer the
/// output shape, parameter count, FLOPs and activation memory per sample.
///
/// FLOPs are each layer's own count (`Layer.forwardFLOPs`): a multiply-add counts two
/// for linear and convolution layers (plus one per output for a bias), one per window
/// element for pooling, one per element for activations, dropout and the residual
/// addition, and five per element for the normalisations (centre, scale, shift and
/// their statistics). They are forward FLOPs of one sample; a training step costs about
/// three times as much.
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
        /// Bytes of this layer's output per sample, in Float32 (a block's includes its branches').
        public var activationBytes: Int
    }

    public var inputShape: [Int]
    public var rows: [Row]
    /// The memory estimate the network builder checked (`MemoryPlan`) for `batchSize`.
    public var batchSize: Int
    public var trainingBytes: Int
    public var evaluationBytes: Int
    public var memoryLimit: Int

    /// Totals over the network's own layers (residual blocks include their children once).
    public var parameters: Int { rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.parameters } }
    public var flops: Int { rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.flops } }
    public var activationBytes: Int { rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.activationBytes } }
    /// Bytes of the trainable parameters in Float32.
    public var parameterBytes: Int { parameters * 4 }

    /// The summary of `specs` on per-sample inputs of `inputShape`, with the memory
    /// estimate for batches of `batchSize` (and `dataBytes` of data).
    public init(_ specs: [LayerSpec], inputShape: [Int], batchSize: Int = 1, dataBytes: Int = 0) throws {
        var random = RandomGenerator(seed: 0)
        let memory = MemoryPlan(batchSize: batchSize)
        memory.dataBytes = dataBytes
        let network: Sequential<Float> = try NetworkBuilder.build(specs, inputShape: inputShape, random: &random,
                                                                   memory: memory)
        self.inputShape = inputShape
        self.batchSize = memory.batchSize
        trainingBytes = memory.trainingBytes
        evaluationBytes = memory.evaluationBytes
        memoryLimit = memory.limit
        rows = []
        Self.add(network.layers, specs: specs, prefix: "", depth: 0, into: &rows)
    }

    /// One row per layer, then the rows of the layers inside it (a residual block's
    /// `body.` and `shortcut.` branches).
    private static func add(_ layers: [any Layer<Float>], specs: [LayerSpec], prefix: String, depth: Int,
                            into rows: inout [Row]) {
        for (index, (layer, spec)) in zip(layers, specs).enumerated() {
            let name = "\(prefix)\(index)"
            let branchRows = rows.count + 1
            rows.append(Row(name: "\(name) \(spec.typeName)", depth: depth, outputShape: layer.outputShape,
                            parameters: layer.parameters.reduce(0) { $0 + $1.parameter.value.count },
                            flops: layer.forwardFLOPs, activationBytes: layer.outputShape.reduce(1, *) * 4))
            if case let .residual(body, shortcut) = spec {
                for (branch, (sequential, branchSpecs)) in zip(["body", "shortcut"], zip(layer.sublayers, [body, shortcut])) {
                    add(sequential.sublayers, specs: branchSpecs, prefix: "\(name).\(branch).", depth: depth + 1,
                        into: &rows)
                }
                rows[branchRows - 1].activationBytes += rows[branchRows...].filter { $0.depth == depth + 1 }
                    .reduce(0) { $0 + $1.activationBytes }
            }
        }
    }
}
