/// A residual block: `y = body(x) + shortcut(x)`, with an identity shortcut when it has
/// no layers. PyTorch: a module with children `body` and `shortcut`, each an
/// `nn.Sequential` (state names `body.0.weight`, `shortcut.0.weight`).
///
/// Backward: both branches receive dy; dx is the sum of their input gradients.
public final class Residual<T: Scalar>: Layer {
    public let body: Sequential<T>
    public let shortcut: Sequential<T>
    public var outputShape: [Int] { body.outputShape }

    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])

    /// The branches must produce the same shape; the network builder checks it.
    public init(body: Sequential<T>, shortcut: Sequential<T>) {
        self.body = body
        self.shortcut = shortcut
    }

    public var sublayers: [any Layer<T>] { [body, shortcut] }

    /// The branches and the addition, one per element.
    public var forwardFLOPs: Int { body.forwardFLOPs + shortcut.forwardFLOPs + outputShape.reduce(1, *) }

    public var state: [(name: String, entry: StateEntry<T>)] {
        body.state.map { (name: "body.\($0.name)", entry: $0.entry) }
            + shortcut.state.map { (name: "shortcut.\($0.name)", entry: $0.entry) }
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        let bodyOutput = body.forward(x, context)
        output.reshape(to: bodyOutput.shape)
        // An empty Sequential returns x itself: the identity shortcut. One pass adds the
        // branches (a copy and then `y += 1·x` gave the same bits in two).
        let shortcutOutput = shortcut.forward(x, context)
        T.add(bodyOutput.data, shortcutOutput.data, into: output.data, count: output.count)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let bodyGradient = body.backward(dy, context)
        inputGradient.reshape(to: bodyGradient.shape)
        let shortcutGradient = shortcut.backward(dy, context)
        T.add(bodyGradient.data, shortcutGradient.data, into: inputGradient.data, count: inputGradient.count)
        return inputGradient
    }
}
