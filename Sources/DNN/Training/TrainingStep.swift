/// One iteration of minibatch training, for any scalar type: the trainer's inner loop,
/// and what the golden-run tests replay in Double against PyTorch.
///
/// The objective's loss and gradient in training mode (`Objective.evaluate`), the
/// gradient's norm and `solver.clip_grad_norm` (`GradientClipping`), then one optimizer
/// step. A batch whose loss is not finite is not applied, so the weights stay those of
/// the last good step.
public final class TrainingStep<T: Scalar> {
    public let objective: Objective<T>
    public let optimizer: any Optimizer<T>
    public let clipping: GradientClipping<T>
    public var network: Sequential<T> { objective.network }
    /// The global L2 norm of the last applied step's gradient, before clipping.
    public private(set) var gradientNorm = 0.0

    public init(network: Sequential<T>, optimizer: any Optimizer<T>, reg: Double, clipGradNorm: Double? = nil,
                loss: LossConfig = .crossEntropy) {
        objective = Objective(network: network, reg: reg, loss: loss)
        self.optimizer = optimizer
        clipping = GradientClipping(parameters: network.parameters.map(\.parameter), maxNorm: clipGradNorm)
    }

    /// Trains on one batch (or, `share`, one rank's rows of it); returns its loss (without
    /// the reg term) and correct count.
    public func run(_ input: Tensor<T>, targets: Targets<T>, context: Context, share: BatchShare = .whole)
        -> Objective<T>.Result {
        // Gradients are zero here: new, or consumed (and zeroed) by the last optimizer step.
        context.mode = .training
        let result = objective.evaluate(input, targets: targets, context: context, gradient: true, share: share)
        if result.loss.isFinite {
            gradientNorm = clipping.apply(context.compute)
            optimizer.step(context.compute)
        } else {
            optimizer.skipStep()
        }
        return result
    }

    /// `run` against class indices.
    public func run(_ input: Tensor<T>, labels: UnsafePointer<Int32>, context: Context) -> Objective<T>.Result {
        run(input, targets: .classes(labels), context: context)
    }

    /// A step of a data-parallel rank that has no rows in this batch: its (empty) part in
    /// the gradient sum, then the same clipping and optimizer step as every other rank.
    public func skip(context: Context) {
        objective.contributeNothing()
        gradientNorm = clipping.apply(context.compute)
        optimizer.step(context.compute)
    }
}
