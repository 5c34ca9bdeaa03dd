/// Root-mean-square normalisation, `nn.RMSNorm(shape[1:], eps)`: over all non-batch
/// dimensions, with an elementwise weight of the sample's shape (no bias, no centring);
/// on a sequence [N, T, F], `nn.RMSNorm(F)` at every position.
///
/// Forward: `y = x · r · w`, `r = 1 / √(mean(x²) + eps)`.
/// Backward: `dx = r · w · dy - x · r³ · mean(w · dy · x)`, `dw += Σₙ dy · x · r`.
public final class RMSNorm<T: Scalar>: Layer {
    public let outputShape: [Int]
    public let eps: Double
    public let weight: Parameter<T>   // like one sample (one position of a sequence), ones
    /// The normalised elements: the sample's, or F of a sequence sample [T, F].
    private let size: Int

    private var input: Tensor<T>?
    private let inverseRMS = Tensor<T>(shape: [0])  // [N]
    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])

    /// Five per element: centre, scale and shift, and the statistics.
    public var forwardFLOPs: Int { 5 * outputShape.reduce(1, *) }

    public init(shape: [Int], eps: Double = 1e-6) {
        outputShape = shape
        self.eps = eps
        let unit = shape.count == 2 ? [shape[1]] : shape
        size = unit.reduce(1, *)
        let ones = Tensor<T>(shape: unit)
        ones.fill(1)
        weight = Parameter(ones, regularized: false)
    }

    public var state: [(name: String, entry: StateEntry<T>)] { [("weight", .parameter(weight))] }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        input = x
        output.reshape(to: x.shape)
        inverseRMS.reshape(to: [x.count / size])
        T.rmsNormalize(x.data, rows: x.count / size, size: size, eps: T(eps), weight: weight.value.data,
                       y: output.data, inverseRMS: inverseRMS.data, context.compute)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        guard let x = input else { preconditionFailure("RMSNorm.backward before forward") }
        inputGradient.reshape(to: x.shape)
        T.rmsNormalizeBackward(dy.data, x.data, inverseRMS: inverseRMS.data, rows: x.count / size, size: size,
                               weight: weight.value.data, dx: inputGradient.data, dWeight: weight.gradient.data,
                               context.compute)
        return inputGradient
    }
}
