/// Layers applied in order, `nn.Sequential`: the whole network, and the body and
/// shortcut of a residual block.
///
/// State names are PyTorch's: the layer's index, a dot, its own name (`0.weight`,
/// `1.running_mean`, `4.body.0.weight`). Parameterless layers keep their index.
public final class Sequential<T: Scalar>: Layer {
    public let layers: [any Layer<T>]
    public let inputShape: [Int]
    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }

    public init(_ layers: [any Layer<T>], inputShape: [Int]) {
        self.layers = layers
        self.inputShape = inputShape
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
        for layer in layers.reversed() { gradient = layer.backward(gradient, context) }
        return gradient
    }
}
