/// A 2-D convolution, `nn.Conv2d(in, out, kernel, stride, padding, bias)` (cross-correlation,
/// like PyTorch).
///
/// Forward, as one matrix product over the whole batch: `col = im2col(x)`
/// [C·kh·kw, N·OH·OW]; `y' = W · col` [O, N·OH·OW] with W viewed as [O, C·kh·kw];
/// `y` [N, O, OH, OW] is y' with its first two axes swapped, plus the bias.
/// Backward: `dW += dy' · colᵀ`, `db += Σ dy` over N, OH, OW, `dx = col2im(Wᵀ · dy')`.
/// Two cases take other algorithms for the same function (`ConvolutionAlgorithm`): a 3x3
/// kernel at stride 1 between enough channels, Winograd's F(2x2, 3x3)
/// (`WinogradConvolution`), in 16/36 of the multiplications; and a stride-1 layer over
/// very few input channels, direct loops (`DirectConvolutionKernels`).
public final class Conv2D<T: Scalar>: Layer {
    public let geometry: WindowGeometry
    public let outChannels: Int
    /// [O, C, kh, kw].
    public let weight: Parameter<T>
    /// [O], or nil without bias.
    public let bias: Parameter<T>?
    public var outputShape: [Int] { [outChannels, geometry.outputHeight, geometry.outputWidth] }
    /// False for the network's first layer, whose input is data (`skipInputGradient()`).
    public private(set) var computesInputGradient = true
    /// How the products are computed: by default chosen per batch (see `ConvolutionAlgorithm`).
    public var algorithm = ConvolutionAlgorithm.automatic {
        didSet {
            precondition(algorithm != .winograd || WinogradTiling.applies(to: geometry),
                         "Winograd F(2x2, 3x3) needs a 3x3 kernel at stride 1")
            precondition(algorithm != .direct || geometry.strideHeight == 1 && geometry.strideWidth == 1,
                         "direct convolution needs stride 1")
        }
    }
    /// 2·C·kh·kw per output, plus one per output for the bias.
    public var forwardFLOPs: Int {
        let outputs = outputShape.reduce(1, *)
        return 2 * geometry.channels * geometry.kernelHeight * geometry.kernelWidth * outputs
            + (bias == nil ? 0 : outputs)
    }

    public func skipInputGradient() { computesInputGradient = false }

    /// The algorithm of the last forward pass, which backward follows.
    private var lastAlgorithm = ConvolutionAlgorithm.im2col
    /// The Winograd path's buffers, made on its first use.
    private var winograd: WinogradConvolution<T>?
    private var directLayout: DirectConvolutionLayout {
        DirectConvolutionLayout(geometry, lanes: T.Vector.scalarCount)
    }

    private let columns = Tensor<T>(shape: [0])        // [C·kh·kw, N·OH·OW]
    private let channelMajor = Tensor<T>(shape: [0])   // [O, N, OH·OW]: y' and dy'
    private let output = Tensor<T>(shape: [0])         // [N, O, OH, OW]
    private let inputGradient = Tensor<T>(shape: [0])  // [N, C, H, W]
    private let paddedInput = Tensor<T>(shape: [0])    // [N, C, planeStride]: the direct path's input
    private let roundedWeight = Tensor<T>(shape: [0])  // [O, C, kh, kw]: bf16 operands of the direct path
    private var batchSize = 0

    public init(geometry: WindowGeometry, outChannels: Int, bias: Bool = true, initializer: InitScheme = .he,
                random: inout RandomGenerator) {
        self.geometry = geometry
        self.outChannels = outChannels
        let taps = geometry.kernelHeight * geometry.kernelWidth
        let fans = InitScheme.Fans(fanIn: geometry.channels * taps, fanOut: outChannels * taps)
        weight = Parameter(initializer.weights(
            shape: [outChannels, geometry.channels, geometry.kernelHeight, geometry.kernelWidth],
            fans: fans, random: &random), regularized: true)
        self.bias = bias ? Parameter(initializer.biases(count: outChannels, fans: fans, random: &random),
                                     regularized: false) : nil
    }

    public var state: [(name: String, entry: StateEntry<T>)] {
        var entries: [(name: String, entry: StateEntry<T>)] = [("weight", .parameter(weight))]
        if let bias { entries.append(("bias", .parameter(bias))) }
        return entries
    }

    /// Output planes (OH·OW) from which per-sample forward products pay off.
    static var perSamplePlane: Int { 512 }

    private var patchSize: Int { geometry.channels * geometry.kernelHeight * geometry.kernelWidth }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = x.batchSize, plane = geometry.outputPlane
        batchSize = n
        output.reshape(to: [n] + outputShape)
        lastAlgorithm = algorithm.resolved(for: geometry, outChannels: outChannels, batchSize: n)
        switch lastAlgorithm {
        case .winograd:
            let winograd = self.winograd ?? WinogradConvolution(geometry: geometry, outChannels: outChannels)
            self.winograd = winograd
            winograd.forward(x.data, n: n, weight: weight.value.data, bias: bias?.value.data, into: output.data,
                             context.compute)
            return output
        case .direct:
            let layout = directLayout
            paddedInput.reshape(to: [n, geometry.channels, layout.planeStride])
            T.padPlanes(x.data, n: n, layout, into: paddedInput.data, context.compute)
            // bf16 products (no GEMM here): the loops multiply operands rounded to bfloat16.
            var weights = UnsafePointer(weight.value.data)
            if BFloat16GEMM.roundOperands(paddedInput.data, count: paddedInput.count, context.compute) {
                roundedWeight.reshape(to: weight.value.shape)
                BFloat16GEMM.roundOperands(weight.value.data, into: roundedWeight.data, count: weight.value.count,
                                           context.compute)
                weights = UnsafePointer(roundedWeight.data)
            }
            T.directConvolution(paddedInput.data, n: n, layout, weight: weights, bias: bias?.value.data,
                                outChannels: outChannels, y: output.data, context.compute)
            return output
        case .im2col, .automatic:
            break
        }
        columns.reshape(to: [patchSize, n * plane])
        T.im2col(x.data, n: n, geometry, col: columns.data, context.compute)
        if plane >= Self.perSamplePlane {
            // Large output planes: one product per sample, written straight into NCHW.
            for sample in 0..<n {
                T.gemm(GEMMShape(m: outChannels, n: plane, k: patchSize, ldb: n * plane), alpha: 1,
                       weight.value.data, columns.data + sample * plane, beta: 0,
                       output.data + sample * outChannels * plane, context.compute)
            }
        } else {
            // Small planes make per-sample products too small to run at full speed: one
            // product for the whole batch, then N and O swapped into NCHW.
            channelMajor.reshape(to: [outChannels, n, plane])
            T.gemm(GEMMShape(m: outChannels, n: n * plane, k: patchSize), alpha: 1, weight.value.data,
                   columns.data, beta: 0, channelMajor.data, context.compute)
            T.swapLeadingAxes(channelMajor.data, a: outChannels, b: n, inner: plane, into: output.data,
                              context.compute)
        }
        if let bias {
            T.addChannelBias(bias.value.data, to: output.data, n: n, c: outChannels, s: plane, context.compute)
        }
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = batchSize, plane = geometry.outputPlane
        if let bias {
            T.accumulateChannelSums(dy.data, n: n, c: outChannels, s: plane, into: bias.gradient.data, context.compute)
        }
        inputGradient.reshape(to: [n, geometry.channels, geometry.height, geometry.width])
        switch lastAlgorithm {
        case .winograd:
            winograd!.backward(dy.data, weightGradient: weight.gradient.data,
                               dx: computesInputGradient ? inputGradient.data : nil, context.compute)
            return inputGradient
        case .direct:
            // bf16 products: the kernel rounds each plane of dy as it reads it.
            T.directWeightGradient(paddedInput.data, dy: dy.data, n: n, directLayout, outChannels: outChannels,
                                   dw: weight.gradient.data,
                                   roundingDy: T.self == Float.self && context.compute.productPrecision == .bf16,
                                   context.compute)
            if computesInputGradient {
                // dx as on the im2col path: dcol = Wᵀ · dy', then col2im.
                columns.reshape(to: [patchSize, n * plane])
                channelMajor.reshape(to: [outChannels, n, plane])
                T.swapLeadingAxes(dy.data, a: n, b: outChannels, inner: plane, into: channelMajor.data, context.compute)
                inputGradientFromColumns(n: n, context)
            }
            return inputGradient
        case .im2col, .automatic:
            break
        }
        if !computesInputGradient && plane >= Self.perSamplePlane {
            // The network's first layer (often few input channels and large planes): dW from
            // one product per sample, dW += dy_n[O, OHW] · col_nᵀ, with no swapped copy of dy.
            for sample in 0..<n {
                T.gemm(GEMMShape(m: outChannels, n: patchSize, k: plane, transposeB: true, lda: plane, ldb: n * plane),
                       alpha: 1, dy.data + sample * outChannels * plane, columns.data + sample * plane, beta: 1,
                       weight.gradient.data, context.compute)
            }
            return inputGradient
        }
        channelMajor.reshape(to: [outChannels, n, plane])
        T.swapLeadingAxes(dy.data, a: n, b: outChannels, inner: plane, into: channelMajor.data, context.compute)
        // dW[O, CKK] += dy'[O, N·OHW] · colᵀ
        T.gemm(GEMMShape(m: outChannels, n: patchSize, k: n * plane, transposeB: true), alpha: 1,
               channelMajor.data, columns.data, beta: 1, weight.gradient.data, context.compute)
        if computesInputGradient { inputGradientFromColumns(n: n, context) }
        return inputGradient
    }

    /// dx = col2im(Wᵀ · dy'), with dy' [O, N·OH·OW] in `channelMajor` and `columns` as
    /// the [C·kh·kw, N·OH·OW] work buffer.
    private func inputGradientFromColumns(n: Int, _ context: Context) {
        T.gemm(GEMMShape(m: patchSize, n: n * geometry.outputPlane, k: outChannels, transposeA: true), alpha: 1,
               weight.value.data, channelMajor.data, beta: 0, columns.data, context.compute)
        T.col2im(columns.data, n: n, geometry, dx: inputGradient.data, context.compute)
    }
}

/// The ways `Conv2D` computes its products; all give the same function, to rounding.
public enum ConvolutionAlgorithm: String, Sendable {
    /// Chosen per batch by `resolved`.
    case automatic
    /// Unfold the input into columns, one matrix product (any kernel, stride and padding).
    case im2col
    /// Winograd's F(2x2, 3x3), for a 3x3 kernel at stride 1.
    case winograd
    /// Direct loops over the taps, vectorised along output pixels, for stride 1.
    case direct

    /// The algorithm a batch of `batchSize` takes. `.automatic` means:
    /// - Winograd where it applies, both channel counts are at least 16 (its 16 products
    ///   have an inner size of C forward and O backward, too short below that to run at
    ///   full speed) and the batch has at least 4 samples (its transforms split the batch
    ///   over threads, and its products are short for fewer tiles);
    /// - direct loops for stride 1 and C·kh·kw ≤ 27 (`DirectConvolutionLayout.applies`);
    /// - im2col otherwise.
    public func resolved(for geometry: WindowGeometry, outChannels: Int, batchSize: Int) -> ConvolutionAlgorithm {
        guard self == .automatic else { return self }
        let winogradPays = geometry.channels >= 16 && outChannels >= 16 && batchSize >= 4
        if WinogradTiling.applies(to: geometry) && winogradPays { return .winograd }
        return DirectConvolutionLayout.applies(to: geometry) ? .direct : .im2col
    }
}
