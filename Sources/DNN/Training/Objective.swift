/// What training minimises: the config's loss of the network's outputs (softmax
/// cross-entropy with its label smoothing and class weights on logits, or a regression
/// loss on predicted values) plus `0.5 · reg · Σ W²` over the regularised weights
/// (linear and conv weights).
///
/// The trainer and the gradient checker both go through `evaluate`, so the objective
/// that `dnn gradcheck` proves is the one `dnn train` descends.
public final class Objective<T: Scalar> {
    public let network: Sequential<T>
    /// The L2 strength `solver.reg`.
    public let reg: Double
    private let regularized: [Parameter<T>]
    private let loss: DataLoss
    /// The loss of the outputs against the targets, by kind of task.
    private enum DataLoss {
        case classification(SoftmaxCrossEntropy<T>)
        case regression(RegressionLoss<T>)
    }
    /// Sums the gradients over the ranks of a data-parallel run between backward and the
    /// reg term (which every rank would add alike); nil in one process.
    var reducer: (any GradientSum)?

    public init(network: Sequential<T>, reg: Double, loss: LossConfig = .crossEntropy) {
        self.network = network
        self.reg = reg
        if let kind = loss.regressionKind {
            self.loss = .regression(RegressionLoss(kind))
        } else {
            self.loss = .classification(SoftmaxCrossEntropy(loss))
        }
        regularized = network.parameters.map(\.parameter).filter(\.isRegularized)
    }

    /// One evaluation of the objective on a batch.
    public struct Result: Sendable {
        /// The data loss (mean over the batch), without the reg term: what metrics report.
        public var loss: Double
        /// `0.5 · reg · Σ W²`, computed only when asked for (training does not need it).
        public var penalty: Double
        /// Rows whose (first) largest logit is the label; 0 for regression.
        public var correct: Int
        /// The whole objective, `loss + penalty`.
        public var total: Double { loss + penalty }
    }

    /// Forward in the context's mode and the loss; with `gradient`, backward too, adding
    /// `reg · W` to each regularised weight's gradient (the derivative of the penalty).
    ///
    /// Parameter gradients accumulate: they must be zero before (as the optimizer leaves
    /// them). A non-finite loss skips the backward pass.
    /// - Parameter share: how these rows count in their batch when it is spread over the
    ///   ranks of a data-parallel run (`PlannedBatch.share`); `.whole` otherwise.
    public func evaluate(_ input: Tensor<T>, targets: Targets<T>, context: Context, gradient: Bool,
                         penalty: Bool = false, share: BatchShare = .whole) -> Result {
        let output = network.forward(input, context)
        let (lossValue, correct, lossGradient) = dataLoss(output, targets, gradient: gradient, batchWeightSum: share.weightSum)
        var penaltyValue = 0.0
        if penalty && reg > 0 {
            for parameter in regularized {
                penaltyValue += 0.5 * reg * T.sumOfSquares(parameter.value.data, count: parameter.value.count)
            }
        }
        if gradient && lossValue.isFinite {
            if share.gradientScale != 1 {
                // This rank's share of the global batch, applied once to the loss gradient
                // rather than to every parameter gradient (backward is linear in it).
                T.scale(lossGradient.data, by: T(share.gradientScale), count: lossGradient.count)
            }
            _ = network.backward(lossGradient, context)
            reducer?.finish()
            addRegGradient()
        } else if gradient {
            contributeNothing()
        }
        return Result(loss: lossValue, penalty: penaltyValue, correct: correct)
    }

    /// `evaluate` against class indices.
    public func evaluate(_ input: Tensor<T>, labels: UnsafePointer<Int32>, context: Context, gradient: Bool,
                         penalty: Bool = false) -> Result {
        evaluate(input, targets: .classes(labels), context: context, gradient: gradient, penalty: penalty)
    }

    /// The data loss of `output`, the rows it classifies right, and dLoss/dOutput.
    private func dataLoss(_ output: Tensor<T>, _ targets: Targets<T>, gradient: Bool,
                          batchWeightSum: Double?) -> (Double, Int, Tensor<T>) {
        switch (loss, targets) {
        case let (.classification(loss), .classes(labels)):
            let result = loss.forward(output, labels: labels, computeGradient: gradient, batchWeightSum: batchWeightSum)
            return (result.loss, result.correct, loss.gradient)
        case let (.regression(loss), .values(values)):
            return (loss.forward(output, target: values, computeGradient: gradient), 0, loss.gradient)
        default:
            preconditionFailure("class indices for a regression loss, or target values for cross-entropy")
        }
    }

    /// For a rank of a data-parallel run that has no rows in this batch (or a non-finite
    /// loss): no gradient of its own, but its part in the sum, and the reg term.
    func contributeNothing() {
        guard let reducer else { return }
        reducer.contributeNothing()
        reducer.finish()
        addRegGradient()
    }

    /// `reg · W` added to each regularised weight's gradient.
    private func addRegGradient() {
        guard reg > 0 else { return }
        for parameter in regularized {
            T.axpy(T(reg), parameter.value.data, parameter.gradient.data, count: parameter.value.count)
        }
    }
}
