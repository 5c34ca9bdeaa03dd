/// `nn.Flatten()`: [N, C, H, W] to [N, C·H·W], keeping the C, H, W order.
///
/// Storage is already row-major, so forward and backward relabel the shape: their
/// results are aliases of the input and the gradient (no copy).
public final class Flatten<T: Scalar>: Layer {
    public let inputShape: [Int]
    public var outputShape: [Int] { [inputShape.reduce(1, *)] }

    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])

    /// A relabelling: no arithmetic.
    public var forwardFLOPs: Int { 0 }

    public init(inputShape: [Int]) {
        self.inputShape = inputShape
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        output.alias(of: x, shape: [x.batchSize] + outputShape)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        inputGradient.alias(of: dy, shape: [dy.batchSize] + inputShape)
        return inputGradient
    }
}
