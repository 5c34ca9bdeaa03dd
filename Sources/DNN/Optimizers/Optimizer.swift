/// Updates a network's parameters from their gradients, as `torch.optim` does.
///
/// An optimizer keeps per-parameter state (momentum, moment estimates) named after the
/// parameter (`0.weight.exp_avg`), so that `--resume` can save and restore it.
public protocol Optimizer<Element>: AnyObject {
    associatedtype Element: Scalar
    /// The rate of the next step; the trainer sets it after each epoch from the run's
    /// `LearningRateSchedule` (warmup, then `lr_schedule` or `lr_decay`).
    var learningRate: Double { get set }
    /// Steps taken so far (Adam's bias correction needs it).
    var stepCount: Int { get set }
    /// One update of every parameter from its current gradient, which it leaves zero.
    func step(_ compute: Compute)
    /// The state tensors by name, in a fixed order.
    var state: [(name: String, tensor: Tensor<Element>)] { get }
}

/// A parameter with its checkpoint name, as optimizers receive them.
public typealias NamedParameter<T: Scalar> = (name: String, parameter: Parameter<T>)
