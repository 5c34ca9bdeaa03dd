/// Inverted dropout, `nn.Dropout(p)` and `nn.Dropout2d(p)`.
///
/// `p` is the probability of DROPPING a unit. In training, each unit (an element, or a
/// whole channel for `dropout2d`) is kept with probability 1 - p and scaled by
/// 1 / (1 - p), so evaluation is the identity. Backward applies the same mask to dy.
/// The mask comes from the context's generator, so replaying a forward pass from the
/// same generator state gives the same mask.
public final class Dropout<T: Scalar>: Layer {
    public let p: Double
    /// Elements that share one mask entry: 1 for dropout, H·W for dropout2d.
    public let unitSize: Int
    public let outputShape: [Int]

    private let mask = Tensor<T>(shape: [0])       // same shape as x: 0 or 1/(1-p)
    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])
    private var maskApplied = false

    /// Element-wise dropout on inputs of `shape`.
    public init(p: Double, shape: [Int]) {
        self.p = p
        self.unitSize = 1
        self.outputShape = shape
    }

    /// Channel-wise dropout (dropout2d) on [C, H, W] inputs.
    public init(channelwiseP p: Double, shape: [Int]) {
        self.p = p
        self.unitSize = shape.dropFirst().reduce(1, *)
        self.outputShape = shape
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        maskApplied = context.isTraining && p > 0
        guard maskApplied else {
            output.alias(of: x, shape: x.shape)  // the identity: no copy
            return output
        }
        output.reshape(to: x.shape)
        mask.reshape(to: x.shape)
        T.dropoutMask(mask.data, units: x.count / unitSize, unitSize: unitSize, p: p, random: &context.random)
        T.multiply(x.data, mask.data, output.data, count: x.count, context.compute)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        if maskApplied {
            inputGradient.reshape(to: dy.shape)
            T.multiply(dy.data, mask.data, inputGradient.data, count: dy.count, context.compute)
        } else {
            inputGradient.alias(of: dy, shape: dy.shape)
        }
        return inputGradient
    }
}
