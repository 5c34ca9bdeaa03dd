/// The kernel of the softmax cross-entropy loss.
public protocol LossKernels: KernelScalar {
    /// For logits [n, c] and class indices: returns Σ of the per-row losses
    /// `logsumexp(z) - z[label]` (in Double) and the number of rows whose first maximal
    /// logit is the label; writes `dz = (softmax(z) - onehot(label)) · gradientScale`.
    static func softmaxCrossEntropy(_ logits: UnsafePointer<Self>, labels: UnsafePointer<Int32>, n: Int, c: Int,
                                    gradientScale: Self, dLogits: UnsafeMutablePointer<Self>?)
        -> (lossSum: Double, correct: Int)
}

extension LossKernels {
    public static func softmaxCrossEntropy(_ logits: UnsafePointer<Self>, labels: UnsafePointer<Int32>, n: Int,
                                           c: Int, gradientScale: Self, dLogits: UnsafeMutablePointer<Self>?)
        -> (lossSum: Double, correct: Int) {
        var lossSum = 0.0
        var correct = 0
        for row in 0..<n {
            let z = logits + row * c
            let label = Int(labels[row])
            // Shift by the maximum so that exp never overflows.
            var best = 0
            for j in 1..<c where z[j] > z[best] { best = j }
            let maximum = z[best]
            var total: Self = 0
            for j in 0..<c { total += exp(z[j] - maximum) }
            let logSumExp = maximum + log(total)
            lossSum += Double(logSumExp - z[label])
            if best == label { correct += 1 }
            if let dLogits {
                let dz = dLogits + row * c
                let scale = gradientScale / total
                for j in 0..<c { dz[j] = exp(z[j] - maximum) * scale }
                dz[label] -= gradientScale
            }
        }
        return (lossSum, correct)
    }
}
