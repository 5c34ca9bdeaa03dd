/// Softmax followed by cross-entropy: PyTorch's
/// `F.cross_entropy(logits, labels, weight, label_smoothing=ε)` with mean reduction.
///
/// With `p = softmax(z)`, per-class weights `w` (all 1 without), `C` classes and
/// `W = Σₙ w[yₙ]` (N without weights), exactly as PyTorch combines them:
/// `loss = (1/W) Σₙ [(1-ε)·w[yₙ]·(-log pₙ,yₙ) + (ε/C)·Σⱼ wⱼ·(-log pₙⱼ)]`, so both terms
/// divide by the sum of the TARGETS' weights. The gradient is
/// `dzₙⱼ = (1/W) [pₙⱼ·((1-ε)·w[yₙ] + (ε/C)·Σw) - (ε/C)·wⱼ - (1-ε)·w[yₙ]·[j = yₙ]]`.
/// Logits are shifted by their maximum so that large values cannot overflow.
public final class SoftmaxCrossEntropy<T: Scalar> {
    /// dLoss/dLogits of the latest `forward(_:labels:)`, [N, C].
    public let gradient = Tensor<T>(shape: [0])
    /// ε in [0, 1].
    public let labelSmoothing: Double
    /// [C] per-class weights; nil for all ones.
    private let classWeights: [T]?
    public init(labelSmoothing: Double = 0, classWeights: [Double]? = nil) {
        self.labelSmoothing = labelSmoothing
        self.classWeights = classWeights?.map { T($0) }
    }

    /// The loss a config describes (its weights resolved to a list).
    public convenience init(_ config: LossConfig) {
        self.init(labelSmoothing: config.labelSmoothing, classWeights: config.weightList)
    }

    /// The result of one batch.
    public struct Result: Sendable {
        /// The (weighted) mean loss over the batch.
        public var loss: Double
        /// Rows whose (first) largest logit is the label.
        public var correct: Int
        /// `W`, the sum of the targets' weights (the row count without weights): what the
        /// mean divides by, so that an evaluation can combine batches exactly.
        public var weightSum: Double
    }

    /// Loss and accuracy of `logits` [N, C]; fills `gradient` when `computeGradient`.
    /// Rows of C logits: one per sample, or one per position of a sequence [N, T, C].
    /// - Parameter batchWeightSum: `W` of a whole data-parallel batch of which `logits` are
    ///   one rank's rows: the mean and gradient then divide by it, so the ranks' parts add
    ///   up to the batch's loss (and a rank whose rows all weigh 0 adds 0, not 0/0). nil:
    ///   the rows' own `W`.
    public func forward(_ logits: Tensor<T>, labels: UnsafePointer<Int32>, computeGradient: Bool = true,
                        batchWeightSum: Double? = nil) -> Result {
        let c = logits.shape[logits.shape.count - 1], n = logits.count / Swift.max(c, 1)
        gradient.reshape(to: logits.shape)
        var weightSum = Double(n)
        if let classWeights {
            weightSum = 0
            for row in 0..<n { weightSum += Double(classWeights[Int(labels[row])]) }
        }
        let dLogits = computeGradient ? gradient.data : nil
        let denominator = batchWeightSum ?? weightSum
        let (sum, correct) = withWeights { weights in
            T.softmaxCrossEntropy(logits.data, labels: labels, n: n, c: c, classWeights: weights,
                                  smoothing: T(labelSmoothing), gradientScale: 1 / T(denominator), dLogits: dLogits)
        }
        return Result(loss: sum / denominator, correct: correct, weightSum: weightSum)
    }

    private func withWeights<R>(_ body: (UnsafePointer<T>?) -> R) -> R {
        guard let classWeights else { return body(nil) }
        return classWeights.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
