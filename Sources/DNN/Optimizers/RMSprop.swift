/// RMSprop, `torch.optim.RMSprop(lr, alpha, eps, momentum, weight_decay)` (not centred).
///
/// `sq = α·sq + (1-α)·g²`, `avg = √sq + eps`; without momentum `p -= lr·g/avg`, with it
/// `buf = μ·buf + g/avg`, `p -= lr·buf`.
public final class RMSprop<T: Scalar>: Optimizer {
    public var learningRate: Double
    public let alpha: Double
    public let eps: Double
    public let momentum: Double
    public let weightDecay: Double
    public var stepCount = 0
    private let parameters: [NamedParameter<T>]
    private let squareAverages: [Tensor<T>]
    private let momentumBuffers: [Tensor<T>]

    public init(_ parameters: [NamedParameter<T>], learningRate: Double = 1e-2, alpha: Double = 0.99,
                eps: Double = 1e-8, momentum: Double = 0, weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.weightDecay = weightDecay
        squareAverages = parameters.map { Tensor(shape: $0.parameter.value.shape) }
        momentumBuffers = momentum == 0 ? [] : parameters.map { Tensor(shape: $0.parameter.value.shape) }
    }

    public var state: [(name: String, tensor: Tensor<T>)] {
        parameters.indices.flatMap { index in
            [("\(parameters[index].name).square_avg", squareAverages[index])]
                + (momentumBuffers.isEmpty ? [] : [("\(parameters[index].name).momentum_buffer", momentumBuffers[index])])
        }
    }

    public func step(_ compute: Compute) { step(compute, elements: 0..<Int.max) }

    public func step(_ compute: Compute, elements: Range<Int>) {
        forEachSlice(of: parameters, in: elements) { index, range in
            let parameter = parameters[index].parameter, at = range.lowerBound
            T.rmspropUpdate(parameter.value.data + at, parameter.gradient.data + at,
                            squareAverage: squareAverages[index].data + at,
                            momentumBuffer: momentumBuffers.isEmpty ? nil : momentumBuffers[index].data + at,
                            count: range.count, lr: T(learningRate), alpha: T(alpha), eps: T(eps),
                            momentum: T(momentum), weightDecay: T(weightDecay), compute)
        }
        stepCount += 1
    }
}
