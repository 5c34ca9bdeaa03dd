/// `loss`: the training objective. An enum so that a second loss is a compile error in
/// every `switch` until it is handled.
public enum LossConfig: String, Equatable, Sendable, CaseIterable {
    /// Softmax + cross-entropy, mean over the batch (`nn.CrossEntropyLoss()`); JSON
    /// `{"type": "cross_entropy"}`.
    case crossEntropy = "cross_entropy"

    /// The JSON `type`.
    public var typeName: String { rawValue }
}
