/// How the rows one process trains on count in their batch, when a batch is spread over
/// the ranks of a data-parallel run: an argument of each step (`Objective.evaluate`),
/// never a setting left on an object between steps. One process holding the whole batch
/// is `.whole`.
public struct BatchShare: Sendable, Equatable {
    /// What the loss gradient is multiplied by before backward: this rank's rows over the
    /// batch's (`n_r / n`), so that the gradients summed over the ranks are the batch's
    /// mean. 1 with class weights, whose loss divides by the whole batch's weight sum instead.
    public var gradientScale: Double
    /// With class weights, `W` of the whole batch, which cross-entropy divides by
    /// (`SoftmaxCrossEntropy.forward`'s `batchWeightSum`); nil: the rows' own `W`.
    public var weightSum: Double?

    public init(gradientScale: Double, weightSum: Double?) {
        self.gradientScale = gradientScale
        self.weightSum = weightSum
    }

    /// A whole batch in one process: the loss and gradient of its own rows.
    public static let whole = BatchShare(gradientScale: 1, weightSum: nil)
}
