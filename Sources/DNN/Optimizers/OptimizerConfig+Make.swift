extension OptimizerConfig {
    /// The optimizer this config describes, over `parameters`.
    public func makeOptimizer<T: Scalar>(for parameters: [NamedParameter<T>]) -> any Optimizer<T> {
        switch self {
        case let .sgd(lr, momentum, nesterov, weightDecay):
            return SGD(parameters, learningRate: lr, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        case let .adam(lr, beta1, beta2, eps, weightDecay):
            return Adam(parameters, learningRate: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                        decoupled: false)
        case let .adamw(lr, beta1, beta2, eps, weightDecay):
            return Adam(parameters, learningRate: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                        decoupled: true)
        case let .rmsprop(lr, alpha, eps, momentum, weightDecay):
            return RMSprop(parameters, learningRate: lr, alpha: alpha, eps: eps, momentum: momentum,
                           weightDecay: weightDecay)
        }
    }
}
