/// Softmax followed by cross-entropy, averaged over the batch: PyTorch's
/// `F.cross_entropy(logits, labels)` (mean reduction).
///
/// `loss = (1/N) Σₙ [log Σⱼ exp(zₙⱼ) - zₙ,yₙ]`, computed with the maximum logit
/// subtracted so that large logits cannot overflow; `dz = (softmax(z) - onehot(y)) / N`.
public final class SoftmaxCrossEntropy<T: Scalar> {
    /// dLoss/dLogits of the latest `forward(_:labels:)`, [N, C].
    public let gradient = Tensor<T>(shape: [0])

    public init() {}

    /// The result of one batch.
    public struct Result: Sendable {
        /// The mean loss over the batch.
        public var loss: Double
        /// Rows whose (first) largest logit is the label.
        public var correct: Int
    }

    /// Loss and accuracy of `logits` [N, C]; fills `gradient` when `computeGradient`.
    public func forward(_ logits: Tensor<T>, labels: UnsafePointer<Int32>, computeGradient: Bool = true) -> Result {
        let n = logits.batchSize, c = logits.sampleSize
        gradient.reshape(to: logits.shape)
        let (sum, correct) = T.softmaxCrossEntropy(logits.data, labels: labels, n: n, c: c,
                                                   gradientScale: 1 / T(n),
                                                   dLogits: computeGradient ? gradient.data : nil)
        return Result(loss: sum / Double(n), correct: correct)
    }
}
