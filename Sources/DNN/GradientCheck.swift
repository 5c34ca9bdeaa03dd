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
/// generator from the same state, so dropout masks stay fixed. An entry whose ±h
/// perturbation moves an input of a ReLU or max pooling across its kink is skipped
/// (and counted), as Caffe's checker skips kinks.
public enum GradientCheck {
    /// The step of the central difference: small enough that h² terms vanish below 1e-10,
    /// large enough that rounding (1e-16 / h) stays near 1e-11.
    public static let step = 1e-5
    /// The largest error that passes.
    public static let tolerance = 1e-6

    /// The kink fingerprint of every piecewise layer in `layer`, combined.
    static func kinkPattern<T: Scalar>(_ layer: any Layer<T>) -> UInt64 {
        var hasher = KinkHasher()
        for layer in layer.allLayers { hasher.add(layer.kinkPattern) }
        return hasher.value
    }

    /// One checked tensor.
    public struct Check: Sendable {
        public var reg: Double
        /// Checkpoint name (`0.weight`), or `input`.
        public var name: String
        public var relativeError: Double
        /// Entries compared, out of `size`.
        public var checkedEntries: Int
        public var size: Int
        /// Entries passed over because ±h crossed a kink (ReLU at 0, a max-pool tie).
        public var skippedEntries = 0
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

    /// The order in which to try the entries of a tensor of `size`: all in order when at
    /// most `maxEntries`, else a seeded permutation (checking stops after `maxEntries`
    /// entries that are not on a kink).
    public static func candidateEntries(size: Int, maxEntries: Int, random: inout RandomGenerator) -> [Int] {
        size <= maxEntries ? Array(0..<size) : random.permutation(size)
    }

    /// Central differences of `objective` in the given entries of `value`, at most
    /// `limit` of them, skipping entries where ±h changes `pattern()` (a kink).
    /// Returns the entries used, their numeric derivatives and the number skipped.
    static func numericGradient(_ value: Tensor<Double>, entries: [Int], limit: Int, pattern: () -> UInt64,
                                objective: () -> Double) -> (used: [Int], numeric: [Double], skipped: Int) {
        let base = pattern()
        var used: [Int] = [], numeric: [Double] = [], skipped = 0
        for entry in entries where used.count < limit {
            let original = value[entry]
            value[entry] = original + step
            let plus = objective()
            let plusPattern = pattern()
            value[entry] = original - step
            let minus = objective()
            let minusPattern = pattern()
            value[entry] = original
            if plusPattern != base || minusPattern != base {
                skipped += 1
                continue
            }
            used.append(entry)
            numeric.append((plus - minus) / (2 * step))
        }
        _ = objective()  // leave the layers' caches at the unperturbed point
        return (used, numeric, skipped)
    }

    /// Checks every parameter of `network` on the objective training minimises
    /// (`Objective`): the loss of `network(input)` (softmax cross-entropy against `labels`,
    /// or a regression loss against `targetValues` [N, D]) plus `0.5 · reg · Σ W²` over
    /// regularised weights.
    ///
    /// - Parameters:
    ///   - perturb: for demonstrating the checker: the analytic gradient of this parameter
    ///     is multiplied by 1.001 before comparison, as a subtly wrong backward pass would be.
    /// - Returns: the loss at the starting point (without reg) and one check per parameter and reg.
    public static func network(_ network: Sequential<Double>, input: Tensor<Double>, labels: [Int32],
                               targetValues: [Double] = [], regs: [Double], maxEntries: Int = 40, seed: UInt64 = 0, perturb: String? = nil,
                               loss: LossConfig = .crossEntropy, compute: Compute) -> (initialLoss: Double, checks: [Check]) {
        let context = Context(mode: .training, random: RandomGenerator(seed: seed), compute: compute)
        let startState = context.random
        let parameters = network.parameters
        /// The trained objective (`Objective`, as `TrainingStep` uses it), from the same
        /// generator state every time so that dropout masks stay fixed.
        func objective(reg: Double, backward: Bool) -> Objective<Double>.Result {
            context.random = startState
            if backward {
                for (_, parameter) in parameters { parameter.gradient.zero() }
            }
            let objective = Objective(network: network, reg: reg, loss: loss)
            if loss.isRegression {
                return targetValues.withUnsafeBufferPointer {
                    objective.evaluate(input, targets: .values($0.baseAddress!), context: context, gradient: backward,
                                       penalty: true)
                }
            }
            return labels.withUnsafeBufferPointer {
                objective.evaluate(input, labels: $0.baseAddress!, context: context, gradient: backward, penalty: true)
            }
        }
        var random = RandomGenerator(seed: seed &+ 1)
        var checks: [Check] = []
        var initialLoss = 0.0
        for reg in regs {
            initialLoss = objective(reg: reg, backward: true).loss
            let analytic = parameters.map { $0.parameter.gradient.array }
            for (index, (name, parameter)) in parameters.enumerated() {
                let value = parameter.value
                let candidates = candidateEntries(size: value.count, maxEntries: maxEntries, random: &random)
                let (used, numeric, skipped) = numericGradient(
                    value, entries: candidates, limit: maxEntries, pattern: { kinkPattern(network) },
                    objective: { objective(reg: reg, backward: false).total })
                let scale = name == perturb ? 1.001 : 1
                let a = used.map { analytic[index][$0] * scale }
                checks.append(Check(reg: reg, name: name, relativeError: relativeError(a, numeric),
                                    checkedEntries: used.count, size: value.count, skippedEntries: skipped))
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
            let (used, numeric, skipped) = numericGradient(
                value, entries: Array(0..<value.count), limit: value.count, pattern: { kinkPattern(layer) },
                objective: objective)
            return Check(reg: 0, name: name, relativeError: relativeError(used.map { analytic[$0] }, numeric),
                         checkedEntries: used.count, size: value.count, skippedEntries: skipped)
        }
    }
}
