/// What training minimises: the config's loss (softmax cross-entropy with its label
/// smoothing and class weights) of the network's logits plus
/// `0.5 · reg · Σ W²` over the regularised weights (linear and conv weights).
///
/// The trainer and the gradient checker both go through `evaluate`, so the objective
/// that `dnn gradcheck` proves is the one `dnn train` descends.
public final class Objective<T: Scalar> {
    public let network: Sequential<T>
    /// The L2 strength `solver.reg`.
    public let reg: Double
    private let regularized: [Parameter<T>]
    private let loss: SoftmaxCrossEntropy<T>
    /// Sums the gradients over the ranks of a data-parallel run between backward and the
    /// reg term (which every rank would add alike); nil in one process.
    var reducer: GradientReducer?

    public init(network: Sequential<T>, reg: Double, loss: LossConfig = .crossEntropy) {
        self.network = network
        self.reg = reg
        self.loss = SoftmaxCrossEntropy(loss)
        regularized = network.parameters.map(\.parameter).filter(\.isRegularized)
    }

    /// One evaluation of the objective on a batch.
    public struct Result: Sendable {
        /// The data loss (mean over the batch), without the reg term: what metrics report.
        public var loss: Double
        /// `0.5 · reg · Σ W²`, computed only when asked for (training does not need it).
        public var penalty: Double
        /// Rows whose (first) largest logit is the label.
        public var correct: Int
        /// The whole objective, `loss + penalty`.
        public var total: Double { loss + penalty }
    }

    /// Forward in the context's mode and the loss; with `gradient`, backward too, adding
    /// `reg · W` to each regularised weight's gradient (the derivative of the penalty).
    ///
    /// Parameter gradients accumulate: they must be zero before (as the optimizer leaves
    /// them). A non-finite loss skips the backward pass.
    public func evaluate(_ input: Tensor<T>, labels: UnsafePointer<Int32>, context: Context, gradient: Bool,
                         penalty: Bool = false) -> Result {
        let logits = network.forward(input, context)
        let result = loss.forward(logits, labels: labels, computeGradient: gradient)
        var penaltyValue = 0.0
        if penalty && reg > 0 {
            for parameter in regularized {
                penaltyValue += 0.5 * reg * T.sumOfSquares(parameter.value.data, count: parameter.value.count)
            }
        }
        if gradient && result.loss.isFinite {
            _ = network.backward(loss.gradient, context)
            reducer?.finish()
            addRegGradient()
        } else if gradient {
            contributeNothing()
        }
        return Result(loss: result.loss, penalty: penaltyValue, correct: result.correct)
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
