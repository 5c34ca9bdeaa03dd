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
            // Shift by the maximum so that exp never overflows; e^(z - max) into dz (scaled below).
            let (best, maximum, total) = shiftedExponentials(z, count: c, into: dLogits.map { $0 + row * c })
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
                scaleInPlace(dz, count: c, by: scale)
                if smoothing != 0 {
                    for j in 0..<c { dz[j] -= gradientScale * soft * (classWeights?[j] ?? 1) }
                }
                dz[label] -= gradientScale * hard
            }
        }
        return (lossSum, correct)
    }

    /// For one row z: the first index of its largest value, that value m, and Σⱼ e^(zⱼ - m),
    /// each term also written to `terms` when given. A vector at a time (`fusedExponential`)
    /// when every z is finite; a row holding NaN or ±∞ takes the scalar loop with libm's
    /// exp, so a diverged run still reports a NaN loss (the vector exp clamps its input).
    @inline(__always) static func shiftedExponentials(_ z: UnsafePointer<Self>, count: Int,
                                                      into terms: UnsafeMutablePointer<Self>?)
        -> (index: Int, maximum: Self, total: Self) {
        let lanes = Vector.scalarCount
        guard count >= lanes, let largest = finiteMaximum(z, count: count) else {
            var best = 0
            for j in 1..<count where z[j] > z[best] { best = j }
            var total: Self = 0
            for j in 0..<count {
                let e = exp(z[j] - z[best])
                terms?[j] = e
                total += e
            }
            return (best, z[best], total)
        }
        // The first index of the maximum: the first vector whose largest lane it is (every z
        // is finite here), then that vector's lanes; a scalar scan of the row was a third
        // of the loss.
        var first = 0
        while first + lanes <= count && largestLane(load(z + first)) != largest { first += lanes }
        let index = (first..<count).first { z[$0] == largest } ?? 0
        let shift = Vector(repeating: largest)
        var sums = Vector(repeating: 0)
        var j = 0
        // Two loops rather than an optional store in one: with the optional, LLVM split
        // the vector exp into four 128-bit quarters.
        if let terms {
            while j + lanes <= count {
                let e = fusedExponential(load(z + j) - shift)
                store(e, terms + j)
                sums += e
                j += lanes
            }
        } else {
            while j + lanes <= count {
                sums += fusedExponential(load(z + j) - shift)
                j += lanes
            }
        }
        var total = laneTotal(sums)
        for k in j..<count {
            let e = exp(z[k] - largest)
            terms?[k] = e
            total += e
        }
        return (index, largest, total)
    }

    /// max z[0..<count] (count ≥ one vector), or nil when some z is NaN or infinite.
    /// `largestLane` may assume no NaN: a lane holds one only when the total is NaN too,
    /// and then the maximum is not used.
    @inline(__always) static func finiteMaximum(_ z: UnsafePointer<Self>, count: Int) -> Self? {
        let lanes = Vector.scalarCount
        var largest: Vector = load(z), sums = largest
        var j = lanes
        while j + lanes <= count {
            let v: Vector = load(z + j)
            largest = lanewiseMaximum(largest, v)
            sums += v
            j += lanes
        }
        var result = largestLane(largest), total = laneTotal(sums)
        for k in j..<count {
            result = Swift.max(result, z[k])
            total += z[k]
        }
        return total.isFinite ? result : nil
    }
}
