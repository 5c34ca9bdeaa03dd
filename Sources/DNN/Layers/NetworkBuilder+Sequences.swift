/// The network builder's cases for the layers of sequences: of [C, T] samples (conv1d, the
/// 1-d and global poolings, transpose), of token ids (embedding) and of [T, F] samples
/// (lstm, gru, positional_embedding, attention), and the shapes batchnorm takes.
extension NetworkBuilder {
    static func buildSequenceLayer<T: Scalar>(_ spec: LayerSpec, inputShape shape: [Int], random: inout RandomGenerator,
                                              path: String, memory: MemoryPlan) throws -> any Layer<T> {
        switch spec {
        case .conv1d(let conv):
            let window = try conv1DWindow(conv, shape: shape, path: path)
            try memory.addParameters([conv.out, shape[0] * conv.kernel + (conv.bias ? 1 : 0)], at: path)
            return Conv1D<T>(window: window, outChannels: conv.out, bias: conv.bias, initializer: conv.initScheme,
                             random: &random)
        case .maxpool1d(let pool), .avgpool1d(let pool):
            let type = spec.typeName
            try requireSequence(shape, type: type, path: path)
            try requireWindowFits(span: pool.kernel, padded: [shape[1], pool.padding, pool.padding], type: type,
                                  shape: shape, path: path)
            return Pooling<T>.oneDimensional(type == "maxpool1d" ? .max : .average, pool, inputShape: shape)
        case .globalAvgPool, .globalMaxPool:
            guard shape.count == 2 || shape.count == 3 else {
                throw DNNError.config(path, "\(spec.typeName) needs an input of shape [C, T] or [C, H, W], "
                                      + "but its input has shape \(describe(shape))",
                                      hint: "set model.input_shape, e.g. [1, 150] for series of 150 values")
            }
            return Pooling<T>.global(spec == .globalMaxPool ? .max : .average, inputShape: shape)
        case .transpose:
            guard shape.count >= 2 else {
                throw DNNError.config(path, "transpose swaps the last two dimensions, but its input has shape "
                                      + "\(describe(shape))", hint: "set model.input_shape, e.g. [1, 150]")
            }
            return Transpose<T>(inputShape: shape)
        case .recurrent(let recurrent):
            return try recurrentLayer(recurrent, shape: shape, random: &random, path: path, memory: memory)
        case .embedding, .positionalEmbedding, .attention:
            return try buildTokenLayer(spec, inputShape: shape, random: &random, path: path, memory: memory)
        default:
            preconditionFailure("\(spec.typeName) is not a sequence layer")
        }
    }

    /// embedding on [T] ids; positional_embedding and attention on [T, F].
    private static func buildTokenLayer<T: Scalar>(_ spec: LayerSpec, inputShape shape: [Int], random: inout RandomGenerator,
                                                   path: String, memory: MemoryPlan) throws -> any Layer<T> {
        switch spec {
        case let .embedding(vocab, dim):
            try requireTokens(shape, path: path)
            try memory.addParameters([vocab, dim], at: path)
            return Embedding<T>(vocab: vocab, dim: dim, positions: shape[0], random: &random)
        case .positionalEmbedding(let maxLength):
            try requirePositions(shape, type: "positional_embedding", path: path)
            guard shape[0] <= maxLength else {
                throw DNNError.config(path, "positional_embedding has max_len \(maxLength), but its input has \(shape[0]) "
                                      + "positions", hint: "set max_len to at least \(shape[0]) (the data's context)")
            }
            try memory.addParameters([maxLength, shape[1]], at: path)
            return PositionalEmbedding<T>(maxLength: maxLength, shape: shape, random: &random)
        case let .attention(heads, causal, dropout):
            try requirePositions(shape, type: "attention", path: path)
            guard shape[1] % heads == 0 else {
                throw DNNError.config(path, "attention's \(shape[1]) features do not split into \(heads) heads",
                                      hint: "use a number of heads that divides \(shape[1])")
            }
            try memory.addParameters([4 * shape[1] + 4, shape[1]], at: path)
            try memory.addOutput([3 * heads, shape[0], shape[0]], at: path)  // P, dropped P, mask
            try memory.addOutput([shape[0], 4 * shape[1]], at: path)  // qkv, the heads' outputs
            return SelfAttention<T>(heads: heads, causal: causal, dropout: dropout, shape: shape, random: &random)
        default:
            preconditionFailure("\(spec.typeName) is not a token layer")
        }
    }

    /// A [T] sample of token ids, or an error that says how to get one.
    private static func requireTokens(_ shape: [Int], path: String) throws {
        guard shape.count == 1 else {
            throw DNNError.config(path, "embedding needs a sample of token ids of shape [T], but its input has shape "
                                  + "\(describe(shape))", hint: "put embedding first, on integer ids (e.g. a text source)")
        }
    }

    /// A [T, F] sample (positions, features), or an error that says how to get one.
    private static func requirePositions(_ shape: [Int], type: String, path: String) throws {
        guard shape.count == 2 else {
            throw DNNError.config(path, "\(type) needs a sequence of shape [T, F], but its input has shape \(describe(shape))",
                                  hint: "put an embedding before it")
        }
    }

    private static func conv1DWindow(_ conv: Conv1DSpec, shape: [Int], path: String) throws -> Window1D {
        try requireSequence(shape, type: "conv1d", path: path)
        let pads = conv.pads
        // Sizes from a config can be anything up to Int.max: the span without overflow first.
        let span = MemoryPlan.sum([MemoryPlan.product([conv.dilation, conv.kernel - 1]), 1])
        try requireWindowFits(span: span, padded: [shape[1], pads.before, pads.after], type: "conv1d", shape: shape,
                              path: path)
        return Window1D(channels: shape[0], length: shape[1], kernel: conv.kernel, stride: conv.stride,
                        dilation: conv.dilation, padBefore: pads.before, padAfter: pads.after)
    }

    /// A [C, T] input, or an error that says how to get one.
    private static func requireSequence(_ shape: [Int], type: String, path: String) throws {
        guard shape.count == 2 else {
            throw DNNError.config(path, "\(type) needs an input of shape [C, T], but its input has shape \(describe(shape))",
                                  hint: shape.count == 1 ? "set model.input_shape, e.g. [1, 150] for series of 150 values"
                                      : "a [C, H, W] input takes the 2-d layers (conv2d, maxpool2d)")
        }
    }

    /// A window of `span` positions must fit in the padded length (`padded`: T and the pads).
    private static func requireWindowFits(span: Int, padded: [Int], type: String, shape: [Int], path: String) throws {
        let length = MemoryPlan.sum(padded)
        guard length < Int.max / 2 && span < Int.max / 2 else {
            throw DNNError.config(path, "the padding or kernel of \(type) is too large for any input",
                                  hint: "use sizes below the input's length")
        }
        guard span <= length else {
            throw DNNError.config(path, "the kernel of \(type) spans \(span) positions, more than its padded input "
                                  + "(\(length), from input shape \(describe(shape)))",
                                  hint: "use a smaller kernel or dilation, more padding, or fewer pooling layers before it")
        }
    }

    /// batchnorm is per feature on [D], per channel on [C, T] (`nn.BatchNorm1d` on (N, C, T))
    /// and on [C, H, W].
    static func requireBatchNormShape(_ shape: [Int], path: String) throws {
        guard (1...3).contains(shape.count) else {
            throw DNNError.config(path, "batchnorm needs an input of shape [D], [C, T] or [C, H, W], got \(describe(shape))")
        }
    }
}
