/// Numeric against analytic gradients, in Double: the proof that every backward pass
/// is right (the course's `grad_check`, Caffe's `GradientChecker`).
///
/// Central differences `(f(θ + h) - f(θ - h)) / 2h` with h = 1e-5; the error of one
/// tensor is `‖a - n‖ / max(‖a‖ + ‖n‖, 1)` over its checked entries (all entries of
/// small tensors, a seeded sample of large ones): relative for gradients of norm above
/// 1, absolute below, as Caffe's `GradientChecker` scales by `max(|a|, |n|, 1)`. A
/// gradient that is zero in theory (a bias before batchnorm, a scale before a
/// normalisation) leaves only rounding noise (~1e-10) in the numeric estimate, which a
/// purely relative error would call a 100% mismatch; in Double, a real bug stands out
/// by many orders of magnitude either way. Every forward pass restarts the random
/// generator from the same state, so dropout masks stay fixed.
public enum GradientCheck {
    /// The step of the central difference: small enough that h² terms vanish below 1e-10,
    /// large enough that rounding (1e-16 / h) stays near 1e-11.
    public static let step = 1e-5
    /// The largest error that passes.
    public static let tolerance = 1e-6

    /// One checked tensor.
    public struct Check: Sendable {
        public var reg: Double
        /// Checkpoint name (`0.weight`), or `input`.
        public var name: String
        public var relativeError: Double
        /// Entries compared, out of `size`.
        public var checkedEntries: Int
        public var size: Int
        public var passed: Bool { relativeError < GradientCheck.tolerance }
    }

    /// Norms below this are compared absolutely (see the type's summary).
    public static let absoluteScale = 1.0

    /// The error of analytic gradients `a` against numeric ones `n`.
    public static func relativeError(_ a: [Double], _ n: [Double]) -> Double {
        var difference = 0.0, normA = 0.0, normN = 0.0
        for i in a.indices {
            difference += (a[i] - n[i]) * (a[i] - n[i])
            normA += a[i] * a[i]
            normN += n[i] * n[i]
        }
        return difference.squareRoot() / Swift.max(normA.squareRoot() + normN.squareRoot(), absoluteScale)
    }

    /// The flat indices to check in a tensor of `size` entries: all of them up to
    /// `maxEntries`, else a seeded sample without repeats.
    public static func entries(size: Int, maxEntries: Int, random: inout RandomGenerator) -> [Int] {
        if size <= maxEntries { return Array(0..<size) }
        return Array(random.permutation(size).prefix(maxEntries)).sorted()
    }

    /// Checks every parameter of `network`: loss = softmax cross-entropy of
    /// `network(input)` against `labels` plus `0.5 · reg · Σ W²` over regularised weights.
    ///
    /// - Parameters:
    ///   - perturb: for demonstrating the checker: the analytic gradient of this parameter
    ///     is multiplied by 1.001 before comparison, as a subtly wrong backward pass would be.
    /// - Returns: the loss at the starting point (without reg) and one check per parameter and reg.
    public static func network(_ network: Sequential<Double>, input: Tensor<Double>, labels: [Int32],
                               regs: [Double], maxEntries: Int = 40, seed: UInt64 = 0, perturb: String? = nil,
                               compute: Compute) -> (initialLoss: Double, checks: [Check]) {
        let context = Context(mode: .training, random: RandomGenerator(seed: seed), compute: compute)
        let startState = context.random
        let loss = SoftmaxCrossEntropy<Double>()
        let parameters = network.parameters
        func objective(reg: Double, backward: Bool) -> (total: Double, data: Double) {
            context.random = startState
            let logits = network.forward(input, context)
            let result = labels.withUnsafeBufferPointer {
                loss.forward(logits, labels: $0.baseAddress!, computeGradient: backward)
            }
            var penalty = 0.0
            for (_, parameter) in parameters where parameter.isRegularized {
                penalty += 0.5 * reg * Double.sumOfSquares(parameter.value.data, count: parameter.value.count)
            }
            if backward {
                for (_, parameter) in parameters { parameter.gradient.zero() }
                _ = network.backward(loss.gradient, context)
                for (_, parameter) in parameters where parameter.isRegularized {
                    Double.axpy(reg, parameter.value.data, parameter.gradient.data, count: parameter.value.count)
                }
            }
            return (result.loss + penalty, result.loss)
        }
        var random = RandomGenerator(seed: seed &+ 1)
        var checks: [Check] = []
        var initialLoss = 0.0
        for reg in regs {
            initialLoss = objective(reg: reg, backward: true).data
            let analytic = parameters.map { $0.parameter.gradient.array }
            for (index, (name, parameter)) in parameters.enumerated() {
                let value = parameter.value
                let chosen = entries(size: value.count, maxEntries: maxEntries, random: &random)
                var a: [Double] = [], n: [Double] = []
                for entry in chosen {
                    let original = value[entry]
                    value[entry] = original + step
                    let plus = objective(reg: reg, backward: false).total
                    value[entry] = original - step
                    let minus = objective(reg: reg, backward: false).total
                    value[entry] = original
                    n.append((plus - minus) / (2 * step))
                    a.append(analytic[index][entry] * (name == perturb ? 1.001 : 1))
                }
                checks.append(Check(reg: reg, name: name, relativeError: relativeError(a, n),
                                    checkedEntries: chosen.count, size: value.count))
            }
        }
        return (initialLoss, checks)
    }

    /// Checks one layer on `input` with the objective `sum(r · layer(x))` for a fixed
    /// random `r`: the input gradient and every parameter's, all entries.
    public static func layer(_ layer: any Layer<Double>, input: Tensor<Double>, mode: Mode = .training,
                             seed: UInt64 = 0, compute: Compute = Compute(threads: 1)) -> [Check] {
        let context = Context(mode: mode, random: RandomGenerator(seed: seed), compute: compute)
        let startState = context.random
        var weights = RandomGenerator(seed: seed &+ 7)
        var r: Tensor<Double>?
        func objective() -> Double {
            context.random = startState
            let y = layer.forward(input, context)
            if r == nil { r = Tensor(shape: y.shape, values: (0..<y.count).map { _ in weights.normal() }) }
            var total = 0.0
            for i in 0..<y.count { total += y[i] * r![i] }
            return total
        }
        _ = objective()
        let parameters = layer.parameters
        for (_, parameter) in parameters { parameter.gradient.zero() }
        let dx = layer.backward(r!, context).array
        var targets: [(name: String, value: Tensor<Double>, analytic: [Double])] = [("input", input, dx)]
        targets += parameters.map { ($0.name, $0.parameter.value, $0.parameter.gradient.array) }
        return targets.map { name, value, analytic in
            var n: [Double] = []
            for entry in 0..<value.count {
                let original = value[entry]
                value[entry] = original + step
                let plus = objective()
                value[entry] = original - step
                let minus = objective()
                value[entry] = original
                n.append((plus - minus) / (2 * step))
            }
            return Check(reg: 0, name: name, relativeError: relativeError(analytic, n), checkedEntries: value.count,
                         size: value.count)
        }
    }
}
