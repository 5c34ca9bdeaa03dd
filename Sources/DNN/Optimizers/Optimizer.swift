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
    /// One step (counted once) that updates only `elements` of the parameters laid end to
    /// end in the order the optimizer was given them, and zeroes only their gradients: every
    /// optimizer here is elementwise, so each of those elements gets the bits of a whole
    /// step. The ranks of one machine each step their own part (`ShardedOptimizer`).
    func step(_ compute: Compute, elements: Range<Int>)
    /// A batch whose update is not applied (its loss was not finite): nothing happens, but
    /// an optimizer whose step is a collective of the ranks (`ShardedOptimizer`) still
    /// meets the others, so that none waits forever.
    func skipStep()
    /// Makes `state` whole on this rank before it is saved; a collective for an optimizer
    /// that keeps only its part on each rank (`ShardedOptimizer`), nothing otherwise.
    func gatherState()
    /// The state tensors by name, in a fixed order: grouped by parameter, in the order of
    /// the parameters, the same number for every parameter, each of its parameter's shape.
    var state: [(name: String, tensor: Tensor<Element>)] { get }
}

extension Optimizer {
    public func skipStep() {}
    public func gatherState() {}
}

/// A parameter with its checkpoint name, as optimizers receive them.
public typealias NamedParameter<T: Scalar> = (name: String, parameter: Parameter<T>)

/// Calls `body(index, range)` for each parameter that has elements in `elements`, where
/// `elements` counts over the parameters laid end to end and `range` is the part of that
/// parameter, counted from its first element. No allocation: it runs every step.
func forEachSlice<T: Scalar>(of parameters: [NamedParameter<T>], in elements: Range<Int>,
                             _ body: (Int, Range<Int>) -> Void) {
    var start = 0
    for index in parameters.indices {
        let end = start + parameters[index].parameter.value.count
        let lower = Swift.max(start, elements.lowerBound), upper = Swift.min(end, elements.upperBound)
        if lower < upper { body(index, (lower - start)..<(upper - start)) }
        start = end
    }
}
