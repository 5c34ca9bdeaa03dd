/// One iteration of minibatch training, for any scalar type: the trainer's inner loop,
/// and what the golden-run tests replay in Double against PyTorch.
///
/// Forward in training mode, softmax cross-entropy, backward, add
/// `reg · W` to the gradient of every regularised weight (the derivative of
/// `0.5 · reg · Σ W²`), one optimizer step. A batch whose loss is not finite is not
/// applied, so the weights stay those of the last good step. Creating a step marks the
/// network as trained on data (`skipInputGradient()`): its backward no longer returns
/// the gradient of the input.
public final class TrainingStep<T: Scalar> {
    public let network: Sequential<T>
    public let optimizer: any Optimizer<T>
    /// The L2 strength `solver.reg`.
    public let reg: Double
    private let parameters: [Parameter<T>]
    private let regularized: [Parameter<T>]
    private let loss = SoftmaxCrossEntropy<T>()

    public init(network: Sequential<T>, optimizer: any Optimizer<T>, reg: Double) {
        self.network = network
        self.optimizer = optimizer
        self.reg = reg
        parameters = network.parameters.map(\.parameter)
        network.skipInputGradient()
        regularized = parameters.filter(\.isRegularized)
    }

    /// Trains on one batch; returns its loss (without the reg term) and correct count.
    public func run(_ input: Tensor<T>, labels: UnsafePointer<Int32>, context: Context) -> SoftmaxCrossEntropy<T>.Result {
        // Gradients are zero here: new, or consumed (and zeroed) by the last optimizer step.
        context.mode = .training
        let logits = network.forward(input, context)
        let result = loss.forward(logits, labels: labels)
        guard result.loss.isFinite else { return result }
        _ = network.backward(loss.gradient, context)
        if reg > 0 {
            for parameter in regularized {
                T.axpy(T(reg), parameter.value.data, parameter.gradient.data, count: parameter.value.count)
            }
        }
        optimizer.step(context.compute)
        return result
    }
}
