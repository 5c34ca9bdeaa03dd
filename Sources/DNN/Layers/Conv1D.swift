/// A 1-d convolution over [C, T] samples, `nn.Conv1d(in, out, kernel, stride, padding,
/// dilation, bias)` (cross-correlation, like PyTorch).
///
/// Forward, as one matrix product over the whole batch: `col = unfold(x)` [C·k, N·OT],
/// where row (c, j) holds input position `t·stride + j·dilation - padBefore` of every
/// output t; `y' = W · col` [O, N·OT] with W viewed as [O, C·k]; `y` [N, O, OT] is y' with
/// its first two axes swapped, plus the bias.
/// Backward: `dW += dy' · colᵀ`, `db += Σ dy` over N and OT, `dx = fold(Wᵀ · dy')`.
public final class Conv1D<T: Scalar>: Layer {
    public let window: Window1D
    public let outChannels: Int
    /// [O, C, k], PyTorch's layout.
    public let weight: Parameter<T>
    /// [O], or nil without bias.
    public let bias: Parameter<T>?
    public var outputShape: [Int] { [outChannels, window.outputLength] }
    /// 2·C·k per output, plus one per output for the bias.
    public var forwardFLOPs: Int {
        let outputs = outChannels * window.outputLength
        return 2 * window.channels * window.kernel * outputs + (bias == nil ? 0 : outputs)
    }
    private var computesInputGradient = true
    public func skipInputGradient() { computesInputGradient = false }

    private let columns = Tensor<T>(shape: [0])        // [C·k, N·OT]
    private let channelMajor = Tensor<T>(shape: [0])   // [O, N, OT]: y' and dy'
    private let output = Tensor<T>(shape: [0])         // [N, O, OT]
    private let inputGradient = Tensor<T>(shape: [0])  // [N, C, T]
    private var batchSize = 0

    public init(window: Window1D, outChannels: Int, bias: Bool = true, initializer: InitScheme = .he,
                random: inout RandomGenerator) {
        self.window = window
        self.outChannels = outChannels
        let fans = InitScheme.Fans(fanIn: window.channels * window.kernel, fanOut: outChannels * window.kernel)
        weight = Parameter(initializer.weights(shape: [outChannels, window.channels, window.kernel], fans: fans,
                                               random: &random), regularized: true)
        self.bias = bias ? Parameter(initializer.biases(count: outChannels, fans: fans, random: &random),
                                     regularized: false) : nil
    }

    public var state: [(name: String, entry: StateEntry<T>)] {
        var entries: [(name: String, entry: StateEntry<T>)] = [("weight", .parameter(weight))]
        if let bias { entries.append(("bias", .parameter(bias))) }
        return entries
    }

    private var patchSize: Int { window.channels * window.kernel }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = x.batchSize, length = window.outputLength
        batchSize = n
        output.reshape(to: [n] + outputShape)
        columns.reshape(to: [patchSize, n * length])
        T.unfold1D(x.data, n: n, window, col: columns.data, context.compute)
        channelMajor.reshape(to: [outChannels, n, length])
        T.gemm(GEMMShape(m: outChannels, n: n * length, k: patchSize), alpha: 1, weight.value.data,
               columns.data, beta: 0, channelMajor.data, context.compute)
        T.swapLeadingAxes(channelMajor.data, a: outChannels, b: n, inner: length, into: output.data, context.compute)
        if let bias {
            T.addChannelBias(bias.value.data, to: output.data, n: n, c: outChannels, s: length, context.compute)
        }
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = batchSize, length = window.outputLength
        if let bias {
            T.accumulateChannelSums(dy.data, n: n, c: outChannels, s: length, into: bias.gradient.data, context.compute)
        }
        inputGradient.reshape(to: [n, window.channels, window.length])
        channelMajor.reshape(to: [outChannels, n, length])
        T.swapLeadingAxes(dy.data, a: n, b: outChannels, inner: length, into: channelMajor.data, context.compute)
        // dW[O, C·k] += dy'[O, N·OT] · colᵀ
        T.gemm(GEMMShape(m: outChannels, n: patchSize, k: n * length, transposeB: true), alpha: 1,
               channelMajor.data, columns.data, beta: 1, weight.gradient.data, context.compute)
        if computesInputGradient {
            // dcol[C·k, N·OT] = Wᵀ · dy', then folded back onto the positions it came from.
            T.gemm(GEMMShape(m: patchSize, n: n * length, k: outChannels, transposeA: true), alpha: 1,
                   weight.value.data, channelMajor.data, beta: 0, columns.data, context.compute)
            T.fold1D(columns.data, n: n, window, dx: inputGradient.data, context.compute)
        }
        return inputGradient
    }
}
