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
    /// Where each parameter's blocks of `T.squareSumBlock` start in the list of all
    /// parameters' blocks, and (last) how many blocks there are.
    private let firstBlocks: [Int]

    public init(parameters: [Parameter<T>], maxNorm: Double?) {
        self.parameters = parameters
        self.maxNorm = maxNorm
        var first = [0]
        for parameter in parameters { first.append(first.last! + T.squareSumBlockCount(parameter.gradient.count)) }
        firstBlocks = first
    }

    /// The gradient's norm before clipping; clips the gradients in place when it exceeds `maxNorm`.
    ///
    /// The blocks' sums of squares are computed in parallel over `compute`'s threads (one
    /// region for every parameter), then added in order as `T.sumOfSquares` adds them,
    /// parameter by parameter: the same bits for any thread count. Without `compute`, on
    /// the calling thread.
    @discardableResult
    public func apply(_ compute: Compute? = nil) -> Double {
        let norm = norm(compute)
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

    /// `sqrt(Σ_p T.sumOfSquares(g_p))`, the blocks summed on `compute`'s threads.
    private func norm(_ compute: Compute?) -> Double {
        guard let compute, compute.threads > 1 else {
            var sum = 0.0
            for parameter in parameters {
                sum += T.sumOfSquares(parameter.gradient.data, count: parameter.gradient.count)
            }
            return sum.squareRoot()
        }
        let blocks = firstBlocks.last!
        let sums = compute.scratch(0, count: blocks, as: Double.self)  // [blocks]
        // 32 blocks (64 KB of Float) at least per thread: below that the region costs more than it saves.
        compute.parallelRanges(blocks, grain: 32) { range in
            for (index, parameter) in parameters.enumerated() {
                let first = firstBlocks[index]
                let start = Swift.max(range.lowerBound, first), end = Swift.min(range.upperBound, firstBlocks[index + 1])
                if start >= end { continue }
                T.squareSumsOfBlocks(parameter.gradient.data, count: parameter.gradient.count,
                                     blocks: (start - first)..<(end - first), into: sums + first)
            }
        }
        var sum = 0.0
        for index in parameters.indices {
            var total = 0.0
            for block in firstBlocks[index]..<firstBlocks[index + 1] { total += sums[block] }
            sum += total
        }
        return sum.squareRoot()
    }
}
