/// Adam and AdamW, `torch.optim.Adam` / `torch.optim.AdamW(lr, betas, eps, weight_decay)`.
///
/// `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²`,
/// `p -= lr / (1-β1ᵗ) · m / (√v / √(1-β2ᵗ) + eps)`. Adam adds `wd·p` to the gradient
/// (L2); AdamW instead shrinks `p *= 1 - lr·wd` before the step (decoupled decay).
public final class Adam<T: Scalar>: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    public let weightDecay: Double
    /// AdamW's decoupled weight decay.
    public let decoupled: Bool
    public var stepCount = 0
    private let parameters: [NamedParameter<T>]
    private let firstMoments: [Tensor<T>]   // exp_avg
    private let secondMoments: [Tensor<T>]  // exp_avg_sq

    public init(_ parameters: [NamedParameter<T>], learningRate: Double = 1e-3, beta1: Double = 0.9,
                beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0, decoupled: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        firstMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
        secondMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
    }

    public var state: [(name: String, tensor: Tensor<T>)] {
        parameters.indices.flatMap { index in
            [("\(parameters[index].name).exp_avg", firstMoments[index]),
             ("\(parameters[index].name).exp_avg_sq", secondMoments[index])]
        }
    }

    public func step(_ compute: Compute) { step(compute, elements: 0..<Int.max) }

    public func step(_ compute: Compute, elements: Range<Int>) {
        stepCount += 1
        forEachSlice(of: parameters, in: elements) { index, range in
            let parameter = parameters[index].parameter, at = range.lowerBound
            T.adamUpdate(parameter.value.data + at, parameter.gradient.data + at, m: firstMoments[index].data + at,
                         v: secondMoments[index].data + at, count: range.count, lr: learningRate,
                         beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: decoupled,
                         step: stepCount, compute)
        }
    }
}
