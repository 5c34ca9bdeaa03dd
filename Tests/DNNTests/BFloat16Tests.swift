import Testing
@testable import DNN

/// `precision: "bf16"`: the bfloat16 GEMM against a Double product of the bf16-rounded
/// operands (equal up to float32 summation order), the rounding itself, and the float32
/// fallback. Skipped, with a message, on a CPU without AVX512_BF16.
@Suite struct BFloat16Tests {
    /// Whether this CPU runs the bfloat16 kernels (AVX512_BF16).
    static var supported: Bool { Precision.bfloat16Supported }
    /// The trait of every test that needs them: skipped, with this message, elsewhere.
    static let needsBFloat16 = ConditionTrait.enabled(if: supported, "this CPU has no AVX512_BF16: bf16 kernel test skipped")

    /// Round to nearest even, ties to even, as VCVTNEPS2BF16.
    @Test func roundsToNearestEven() {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa, 1.
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to 1 + 2^-6.
        let values: [Float] = [1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-20, -2.5, 3.0e38, .infinity]
        let rounded = Precision.roundedToBFloat16(values)
        #expect(rounded == [1, 1, 1 + 0x1p-6, 1 + 0x1p-7, -2.5, 3.00405527e38, .infinity])
        #expect(Precision.roundedToBFloat16([.nan])[0].isNaN)
        #expect(Precision.roundedToBFloat16([Float(bitPattern: 0x0000_1000)])[0] == 0)  // denormals flush to zero, as the hardware does
    }

    func check(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, alpha: Float, beta: Float, threads: Int) {
        var random = RandomGenerator(seed: UInt64(m * 7919 + n * 31 + k))
        let s = GEMMShape(m: m, n: n, k: k, transposeA: ta, transposeB: tb)
        let a = (0..<(m * k)).map { _ in Float(random.uniform() - 0.5) }
        let b = (0..<(k * n)).map { _ in Float(random.uniform() - 0.5) }
        let c = (0..<(m * n)).map { _ in Float(random.uniform() - 0.5) }
        let ar = Precision.roundedToBFloat16(a).map(Double.init), br = Precision.roundedToBFloat16(b).map(Double.init)
        let at = Tensor<Float>(shape: [a.count], values: a), bt = Tensor<Float>(shape: [b.count], values: b)
        let ct = Tensor<Float>(shape: [c.count], values: c)
        let compute = Compute(threads: threads)
        compute.productPrecision = .bf16
        Float.gemm(s, alpha: alpha, at.data, bt.data, beta: beta, ct.data, compute)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let product = (ta ? ar[p * m + i] : ar[i * k + p]) * (tb ? br[j * k + p] : br[p * n + j])
                    sum += product
                    magnitude += abs(product)
                }
                let expected = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[i * n + j]))
                // Float32 sums of k exact products: at most about k·2⁻²⁴ of Σ|products|.
                let bound = Double(k + 2) * 0x1p-24 * (abs(Double(alpha)) * magnitude + abs(Double(beta * c[i * n + j])))
                worst = max(worst, abs(Double(ct[i * n + j]) - expected) / max(bound, 1e-30))
            }
        }
        #expect(worst <= 1, "m \(m) n \(n) k \(k) ta \(ta) tb \(tb): error \(worst) of the float32 summation bound")
    }

    @Test(BFloat16Tests.needsBFloat16, arguments: [(1, 1, 1), (7, 5, 3), (8, 48, 2), (9, 49, 33), (33, 70, 301), (130, 100, 1030), (200, 700, 40)])
    func matchesRoundedOperandsInDouble(m: Int, n: Int, k: Int) {
        for ta in [false, true] {
            for tb in [false, true] {
                check(m: m, n: n, k: k, ta: ta, tb: tb, alpha: 1, beta: 0, threads: 2)
                check(m: m, n: n, k: k, ta: ta, tb: tb, alpha: 0.5, beta: 1.5, threads: 1)
            }
        }
    }

    /// Not the float32 product: the operands really are rounded (an error far above
    /// float32's, on values that bfloat16 cannot hold).
    @Test(BFloat16Tests.needsBFloat16) func differsFromFloat32() {
        let a = Tensor<Float>(shape: [1], values: [1 + 0x1p-10]), b = Tensor<Float>(shape: [1], values: [1])
        let c = Tensor<Float>(shape: [1])
        let compute = Compute(threads: 1)
        compute.productPrecision = .bf16
        Float.gemm(GEMMShape(m: 1, n: 1, k: 1), alpha: 1, a.data, b.data, beta: 0, c.data, compute)
        #expect(c[0] == 1)
        compute.productPrecision = .fp32
        Float.gemm(GEMMShape(m: 1, n: 1, k: 1), alpha: 1, a.data, b.data, beta: 0, c.data, compute)
        #expect(c[0] == 1 + 0x1p-10)
    }

    /// A given thread count gives the same bits, and 1 and 2 threads agree.
    @Test(BFloat16Tests.needsBFloat16) func sameBitsForOneAndTwoThreads() {
        var random = RandomGenerator(seed: 11)
        let s = GEMMShape(m: 128, n: 512, k: 784, transposeB: true)
        let a = Tensor<Float>(shape: [128 * 784], values: (0..<(128 * 784)).map { _ in Float(random.uniform()) })
        let b = Tensor<Float>(shape: [512 * 784], values: (0..<(512 * 784)).map { _ in Float(random.uniform()) })
        var results: [[Float]] = []
        for threads in [1, 2, 2] {
            let c = Tensor<Float>(shape: [128 * 512])
            let compute = Compute(threads: threads)
            compute.productPrecision = .bf16
            Float.gemm(s, alpha: 1, a.data, b.data, beta: 0, c.data, compute)
            results.append(Array(UnsafeBufferPointer(start: c.data, count: c.count)))
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }
}
