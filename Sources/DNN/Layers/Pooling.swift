/// Max and average pooling, `nn.MaxPool2d` and `nn.AvgPool2d(kernel, stride, padding)`
/// in floor mode, on [N, C, H, W].
///
/// Max: each output is its window's maximum; backward routes dy to that one input
/// (the first maximum on ties, as PyTorch). Average: the window's sum over kh·kw,
/// padded zeros included; backward spreads dy / (kh·kw) over the window.
/// The same layer pools [C, T] samples as planes of one row (`maxpool1d`, `avgpool1d`:
/// `Pooling+Sequences.swift`) and whole planes at once (`global_avgpool`, `global_maxpool`).
public final class Pooling<T: Scalar>: Layer {
    public enum Kind: Sendable { case max, average }
    public let kind: Kind
    public let geometry: WindowGeometry
    public let outputShape: [Int]
    /// The per-sample input shape: [C, H, W], or [C, T] for a plane of one row.
    public let inputShape: [Int]

    private let argmax = IndexBuffer()  // [N, C, OH, OW]: flat index in the input plane
    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])
    private var batchSize = 0
    private var outputCount = 0

    /// Pooling of [C, H, W] samples, or of other shapes with the same row-major layout
    /// (`inputShape` [C, T] as planes of 1 x T; `outputShape` [C] for one output per plane).
    public init(_ kind: Kind, geometry: WindowGeometry, inputShape: [Int]? = nil, outputShape: [Int]? = nil) {
        self.kind = kind
        self.geometry = geometry
        self.inputShape = inputShape ?? [geometry.channels, geometry.height, geometry.width]
        self.outputShape = outputShape ?? [geometry.channels, geometry.outputHeight, geometry.outputWidth]
    }

    /// One channel's geometry: the kernels run plane by plane.
    private var planeGeometry: WindowGeometry {
        var g = geometry
        g.channels = 1
        return g
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        batchSize = x.batchSize
        let planes = batchSize * geometry.channels
        output.reshape(to: [batchSize] + outputShape)
        outputCount = output.count
        switch kind {
        case .max:
            argmax.reserve(output.count)
            T.maxPool(x.data, planes: planes, planeGeometry, y: output.data, argmax: argmax.data, context.compute)
        case .average:
            T.averagePool(x.data, planes: planes, planeGeometry, y: output.data, context.compute)
        }
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let planes = batchSize * geometry.channels
        inputGradient.reshape(to: [batchSize] + inputShape)
        switch kind {
        case .max:
            T.maxPoolBackward(dy.data, argmax: argmax.data, planes: planes, planeGeometry, dx: inputGradient.data,
                              context.compute)
        case .average:
            T.averagePoolBackward(dy.data, planes: planes, planeGeometry, dx: inputGradient.data, context.compute)
        }
        return inputGradient
    }

    /// One per window element.
    public var forwardFLOPs: Int { geometry.kernelHeight * geometry.kernelWidth * outputShape.reduce(1, *) }

    /// Which input each max-pooling window chose (average pooling is smooth: 0).
    public var kinkPattern: UInt64 {
        guard kind == .max else { return 0 }
        var hasher = KinkHasher()
        for i in 0..<outputCount { hasher.add(UInt64(UInt32(bitPattern: argmax.data[i]))) }
        return hasher.value
    }
}
