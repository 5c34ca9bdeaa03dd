/// Layers applied in order, `nn.Sequential`: the whole network, and the body and
/// shortcut of a residual block.
///
/// State names are PyTorch's: the layer's index, a dot, its own name (`0.weight`,
/// `1.running_mean`, `4.body.0.weight`). Parameterless layers keep their index.
public final class Sequential<T: Scalar>: Layer {
    public let layers: [any Layer<T>]
    public let inputShape: [Int]
    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }

    /// Called with a layer's index right after its backward pass (data-parallel training
    /// starts summing a bucket of gradients over the ranks as soon as it is complete).
    public var onLayerBackward: ((Int) -> Void)?

    /// Backward visits layers down to this index; see `skipInputGradient()`.
    private var backwardStart = 0

    public init(_ layers: [any Layer<T>], inputShape: [Int]) {
        self.layers = layers
        self.inputShape = inputShape
    }

    public var sublayers: [any Layer<T>] { layers }

    public var forwardFLOPs: Int { layers.reduce(0) { $0 + $1.forwardFLOPs } }

    /// For a whole network, whose input is data: backward stops at the first layer with
    /// parameters and that layer skips its input gradient (for the first linear layer of
    /// an MNIST MLP, a 784 x 512 matrix product per step). `backward` then returns a
    /// tensor that is not the input gradient.
    public func skipInputGradient() {
        guard let first = layers.firstIndex(where: { !$0.state.isEmpty }) else {
            backwardStart = layers.count
            return
        }
        backwardStart = first
        layers[first].skipInputGradient()
    }

    public var state: [(name: String, entry: StateEntry<T>)] {
        layers.enumerated().flatMap { index, layer in
            layer.state.map { (name: "\(index).\($0.name)", entry: $0.entry) }
        }
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        var y = x
        for layer in layers { y = layer.forward(y, context) }
        return y
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        var gradient = dy
        for index in layers.indices[backwardStart...].reversed() {
            gradient = layers[index].backward(gradient, context)
            onLayerBackward?(index)
        }
        return gradient
    }
}
