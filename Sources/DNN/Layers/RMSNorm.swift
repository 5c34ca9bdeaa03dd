/// Root-mean-square normalisation, `nn.RMSNorm(shape[1:], eps)`: over all non-batch
/// dimensions, with an elementwise weight of the sample's shape (no bias, no centring).
///
/// Forward: `y = x · r · w`, `r = 1 / √(mean(x²) + eps)`.
/// Backward: `dx = r · w · dy - x · r³ · mean(w · dy · x)`, `dw += Σₙ dy · x · r`.
public final class RMSNorm<T: Scalar>: Layer {
    public let outputShape: [Int]
    public let eps: Double
    public let weight: Parameter<T>   // like one sample, ones

    private var input: Tensor<T>?
    private let inverseRMS = Tensor<T>(shape: [0])  // [N]
    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])

    /// Five per element: centre, scale and shift, and the statistics.
    public var forwardFLOPs: Int { 5 * outputShape.reduce(1, *) }

    public init(shape: [Int], eps: Double = 1e-6) {
        outputShape = shape
        self.eps = eps
        let ones = Tensor<T>(shape: shape)
        ones.fill(1)
        weight = Parameter(ones, regularized: false)
    }

    public var state: [(name: String, entry: StateEntry<T>)] { [("weight", .parameter(weight))] }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        input = x
        output.reshape(to: x.shape)
        inverseRMS.reshape(to: [x.batchSize])
        T.rmsNormalize(x.data, rows: x.batchSize, size: x.sampleSize, eps: T(eps), weight: weight.value.data,
                       y: output.data, inverseRMS: inverseRMS.data, context.compute)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        guard let x = input else { preconditionFailure("RMSNorm.backward before forward") }
        inputGradient.reshape(to: x.shape)
        T.rmsNormalizeBackward(dy.data, x.data, inverseRMS: inverseRMS.data, rows: x.batchSize, size: x.sampleSize,
                               weight: weight.value.data, dx: inputGradient.data, dWeight: weight.gradient.data,
                               context.compute)
        return inputGradient
    }
}
