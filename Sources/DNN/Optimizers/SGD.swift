/// Stochastic gradient descent, `torch.optim.SGD(lr, momentum, nesterov, weight_decay)`
/// (dampening 0).
///
/// `d = g + wd·p`; with momentum, `buf = d` on the first step and `buf = μ·buf + d`
/// after; `d = buf`, or `d + μ·buf` with Nesterov; `p -= lr·d`.
public final class SGD<T: Scalar>: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    public let nesterov: Bool
    public let weightDecay: Double
    public var stepCount = 0
    private let parameters: [NamedParameter<T>]
    private let momentumBuffers: [Tensor<T>]

    public init(_ parameters: [NamedParameter<T>], learningRate: Double, momentum: Double = 0, nesterov: Bool = false,
                weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        momentumBuffers = momentum == 0 ? [] : parameters.map { Tensor(shape: $0.parameter.value.shape) }
    }

    public var state: [(name: String, tensor: Tensor<T>)] {
        zip(parameters, momentumBuffers).map { ("\($0.name).momentum_buffer", $1) }
    }

    public func step(_ compute: Compute) { step(compute, elements: 0..<Int.max) }

    public func step(_ compute: Compute, elements: Range<Int>) {
        forEachSlice(of: parameters, in: elements) { index, range in
            let parameter = parameters[index].parameter, at = range.lowerBound
            T.sgdUpdate(parameter.value.data + at, parameter.gradient.data + at,
                        momentumBuffer: momentumBuffers.isEmpty ? nil : momentumBuffers[index].data + at,
                        count: range.count, lr: T(learningRate), momentum: T(momentum),
                        nesterov: nesterov, weightDecay: T(weightDecay), firstStep: stepCount == 0, compute)
        }
        stepCount += 1
    }
}
