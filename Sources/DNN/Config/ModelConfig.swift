/// `model`: the network as a list of layers, and optionally the shape of one sample.
public struct ModelConfig: Equatable, Sendable {
    /// Each sample's shape without the batch dimension, [D] or [C, H, W]; nil to take it
    /// from the data (IDX images are [1, H, W], CSV rows [features]).
    public var inputShape: [Int]?
    /// The layers in order, as `torch.nn.Sequential` numbers them; never empty.
    public var layers: [LayerSpec]

    /// A model from its layers.
    public init(inputShape: [Int]? = nil, layers: [LayerSpec]) {
        self.inputShape = inputShape
        self.layers = layers
    }
}
