/// The kernel of the softmax cross-entropy loss.
public protocol LossKernels: KernelScalar {
    /// For logits [n, c] and class indices, with `h = (1 - smoothing)·w[label]` and
    /// `s = smoothing / c` (w = 1 without `classWeights`): returns Σ over rows of
    /// `h·(lse - z[label]) + s·Σⱼ wⱼ·(lse - zⱼ)` (in Double; lse = logsumexp(z)) and the
    /// number of rows whose first maximal logit is the label; writes
    /// `dz = (softmax(z)·(h + s·Σw) - s·w - h·onehot(label)) · gradientScale`.
    static func softmaxCrossEntropy(_ logits: UnsafePointer<Self>, labels: UnsafePointer<Int32>, n: Int, c: Int,
                                    classWeights: UnsafePointer<Self>?, smoothing: Self,
                                    gradientScale: Self, dLogits: UnsafeMutablePointer<Self>?)
        -> (lossSum: Double, correct: Int)
    /// Σ of the elementwise regression losses of `kind` over `count` values (in Double);
    /// writes `dPrediction = loss'(prediction - target) · gradientScale` (`RegressionLoss`).
    static func regressionLoss(_ kind: RegressionLossKind, _ prediction: UnsafePointer<Self>,
                               _ target: UnsafePointer<Self>, count: Int, gradientScale: Self,
                               dPrediction: UnsafeMutablePointer<Self>?) -> Double
}

extension LossKernels {
    public static func softmaxCrossEntropy(_ logits: UnsafePointer<Self>, labels: UnsafePointer<Int32>, n: Int,
                                           c: Int, classWeights: UnsafePointer<Self>?, smoothing: Self,
                                           gradientScale: Self, dLogits: UnsafeMutablePointer<Self>?)
        -> (lossSum: Double, correct: Int) {
        var weightTotal = Self(c)
        if let classWeights {
            weightTotal = 0
            for j in 0..<c { weightTotal += classWeights[j] }
        }
        let soft = smoothing / Self(c)
        var lossSum = 0.0
        var correct = 0
        for row in 0..<n {
            let z = logits + row * c
            let label = Int(labels[row])
            let hard = (1 - smoothing) * (classWeights?[label] ?? 1)
            // Shift by the maximum so that exp never overflows.
            var best = 0
            for j in 1..<c where z[j] > z[best] { best = j }
            let maximum = z[best]
            var total: Self = 0
            for j in 0..<c { total += exp(z[j] - maximum) }
            let logSumExp = maximum + log(total)
            var rowLoss = hard * (logSumExp - z[label])
            if smoothing != 0 {
                var smoothed: Self = 0
                for j in 0..<c { smoothed += (classWeights?[j] ?? 1) * (logSumExp - z[j]) }
                rowLoss += soft * smoothed
            }
            lossSum += Double(rowLoss)
            if best == label { correct += 1 }
            if let dLogits {
                let dz = dLogits + row * c
                // Without options hard = 1 and soft = 0: the plain (p - onehot)/N.
                let scale = gradientScale * (hard + soft * weightTotal) / total
                for j in 0..<c { dz[j] = exp(z[j] - maximum) * scale }
                if smoothing != 0 {
                    for j in 0..<c { dz[j] -= gradientScale * soft * (classWeights?[j] ?? 1) }
                }
                dz[label] -= gradientScale * hard
            }
        }
        return (lossSum, correct)
    }
}
