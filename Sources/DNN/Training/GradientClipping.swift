/// The global L2 norm of the whole gradient the optimizer is about to use, and
/// `torch.nn.utils.clip_grad_norm_(parameters, max_norm)`: when
/// `max_norm / (norm + 1e-6) < 1`, every gradient is multiplied by that factor.
///
/// The norm is `sqrt(Σ_p Σ_i g²)` over every parameter, taken after backward and after
/// the `reg` term was added (`Objective`), so it is the norm of exactly what the step
/// descends. It is measured on every step, with or without clipping, because it is what
/// one looks at when a run diverges (`grad_norm` in metrics.jsonl). No allocation: one
/// vectorised pass over the gradients, and a second only when clipping.
public struct GradientClipping<T: Scalar> {
    /// Every parameter whose gradient the optimizer reads.
    let parameters: [Parameter<T>]
    /// `solver.clip_grad_norm`; nil measures without clipping.
    public let maxNorm: Double?

    public init(parameters: [Parameter<T>], maxNorm: Double?) {
        self.parameters = parameters
        self.maxNorm = maxNorm
    }

    /// The gradient's norm before clipping; clips the gradients in place when it exceeds `maxNorm`.
    @discardableResult
    public func apply() -> Double {
        var sum = 0.0
        for parameter in parameters {
            sum += T.sumOfSquares(parameter.gradient.data, count: parameter.gradient.count)
        }
        let norm = sum.squareRoot()
        if let maxNorm {
            // PyTorch multiplies by min(coef, 1) always; a factor of 1 changes nothing.
            let coefficient = maxNorm / (norm + 1e-6)
            if coefficient < 1 {
                for parameter in parameters {
                    T.scale(parameter.gradient.data, by: T(coefficient), count: parameter.gradient.count)
                }
            }
        }
        return norm
    }
}
