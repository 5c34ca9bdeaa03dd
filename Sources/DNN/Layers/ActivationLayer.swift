/// A pointwise activation: `relu`, `leaky_relu`, `sigmoid`, `tanh`, `gelu` or `silu`
/// (`nn.ReLU`, `nn.LeakyReLU(slope)`, `nn.Sigmoid`, `nn.Tanh`, `nn.GELU()`, `nn.SiLU`).
///
/// Forward `y = f(x)`; backward `dx = dy · f'(x)`, where the kernels use whichever of x
/// and y is cheaper (σ' = y(1 - y), tanh' = 1 - y², GELU' = Φ(x) + x·φ(x),
/// SiLU' = σ(x)(1 + x(1 - σ(x)))). ReLU's derivative at exactly 0 is 0, as in PyTorch.
public final class ActivationLayer<T: Scalar>: Layer {
    public let function: Activation
    public let outputShape: [Int]
    /// Set when the batchnorm before this ReLU computes it in its own passes (see
    /// `NetworkBuilder`): forward and backward then hand their input on unchanged.
    public var passThrough = false

    private var input: Tensor<T>?
    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])
    private let erfTerms = Tensor<T>(shape: [0])  // like x, GELU only: 1 + erf(x/√2), for the backward

    public init(_ function: Activation, shape: [Int]) {
        self.function = function
        self.outputShape = shape
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        input = x
        if passThrough { return x }
        output.reshape(to: x.shape)
        if function == .gelu {
            erfTerms.reshape(to: x.shape)
            T.geluForward(x.data, output.data, erfTerms: erfTerms.data, count: x.count, context.compute)
            return output
        }
        T.activationForward(function, x.data, output.data, count: x.count, context.compute)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        if passThrough { return dy }
        guard let x = input else { preconditionFailure("activation backward before forward") }
        inputGradient.reshape(to: x.shape)
        if function == .gelu {
            T.geluBackward(x.data, erfTerms: erfTerms.data, dy.data, inputGradient.data, count: x.count,
                           context.compute)
            return inputGradient
        }
        T.activationBackward(function, x.data, output.data, dy.data, inputGradient.data, count: x.count,
                             context.compute)
        return inputGradient
    }

    /// The signs of the latest inputs, for ReLU and leaky ReLU (smooth functions: 0).
    public var kinkPattern: UInt64 {
        guard let x = input, function.hasKink else { return 0 }
        var hasher = KinkHasher()
        for i in 0..<x.count { hasher.add(x[i] > 0 ? 1 : 0) }
        return hasher.value
    }
}
