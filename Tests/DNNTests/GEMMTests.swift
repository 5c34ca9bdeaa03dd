import Testing
@testable import DNN

/// The packed GEMM against a naive triple loop in Double, over shapes that exercise
/// partial tiles, every transposition, block boundaries (K > KC, M > MC) and beta.
@Suite struct GEMMTests {
    func naive(_ s: GEMMShape, _ a: [Double], _ b: [Double], _ c: [Double], alpha: Double, beta: Double) -> [Double] {
        var result = c
        for i in 0..<s.m {
            for j in 0..<s.n {
                var sum = 0.0
                for p in 0..<s.k {
                    let av = s.transposeA ? a[p * s.lda + i] : a[i * s.lda + p]
                    let bv = s.transposeB ? b[j * s.ldb + p] : b[p * s.ldb + j]
                    sum += av * bv
                }
                result[i * s.ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * s.ldc + j])
            }
        }
        return result
    }

    func check<T: Scalar>(_ type: T.Type, m: Int, n: Int, k: Int, ta: Bool, tb: Bool, alpha: Double, beta: Double,
                          threads: Int, tolerance: Double) {
        var random = RandomGenerator(seed: UInt64(m * 1000 + n * 10 + k))
        let s = GEMMShape(m: m, n: n, k: k, transposeA: ta, transposeB: tb)
        let a = (0..<(m * k)).map { _ in random.uniform() - 0.5 }
        let b = (0..<(k * n)).map { _ in random.uniform() - 0.5 }
        let c = (0..<(m * n)).map { _ in random.uniform() - 0.5 }
        let expected = naive(s, a, b, c, alpha: alpha, beta: beta)
        let at = Tensor<T>(shape: [a.count], values: a.map { T($0) })
        let bt = Tensor<T>(shape: [b.count], values: b.map { T($0) })
        let ct = Tensor<T>(shape: [c.count], values: c.map { T($0) })
        T.gemm(s, alpha: T(alpha), at.data, bt.data, beta: T(beta), ct.data, Compute(threads: threads))
        var worst = 0.0
        for i in 0..<expected.count { worst = max(worst, abs(Double(ct[i]) - expected[i])) }
        #expect(worst < tolerance, "m \(m) n \(n) k \(k) ta \(ta) tb \(tb) threads \(threads): max error \(worst)")
    }

    @Test(arguments: [(1, 1, 1), (7, 5, 3), (8, 48, 16), (9, 49, 17), (33, 70, 300), (130, 100, 520), (200, 3100, 40)])
    func matchesNaiveProduct(m: Int, n: Int, k: Int) {
        for ta in [false, true] {
            for tb in [false, true] {
                check(Double.self, m: m, n: n, k: k, ta: ta, tb: tb, alpha: 1, beta: 0, threads: 2, tolerance: 1e-12)
                check(Float.self, m: m, n: n, k: k, ta: ta, tb: tb, alpha: 0.5, beta: 1, threads: 2, tolerance: 1e-4)
                // alpha 1, beta 0: a swapped product is transposed back in registers.
                check(Float.self, m: m, n: n, k: k, ta: ta, tb: tb, alpha: 1, beta: 0, threads: 2, tolerance: 1e-4)
            }
        }
    }

    @Test func betaScalesAndEmptyDepth() {
        check(Double.self, m: 5, n: 6, k: 0, ta: false, tb: false, alpha: 1, beta: 0.5, threads: 1, tolerance: 1e-15)
        check(Double.self, m: 20, n: 40, k: 9, ta: false, tb: true, alpha: 2, beta: -1, threads: 1, tolerance: 1e-12)
    }

    @Test func sameResultForEveryThreadCount() {
        let s = GEMMShape(m: 128, n: 512, k: 784, transposeB: true)
        var random = RandomGenerator(seed: 7)
        let a = Tensor<Float>(shape: [128 * 784], values: (0..<(128 * 784)).map { _ in Float(random.uniform()) })
        let b = Tensor<Float>(shape: [512 * 784], values: (0..<(512 * 784)).map { _ in Float(random.uniform()) })
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            let c = Tensor<Float>(shape: [128 * 512])
            Float.gemm(s, alpha: 1, a.data, b.data, beta: 0, c.data, Compute(threads: threads))
            results.append(c.array)
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
    }

    /// B packed once (`packOperand`) gives the same bits as `gemm` packing it itself, on 1
    /// and 2 threads: the LSTM's step shapes (one and two depth blocks), a partial last
    /// panel, a lda wider than k, a transposed B and A, beta 1, and few rows (B in place).
    @Test(arguments: [(64, 512, 128, false, false), (64, 128, 512, false, false), (40, 100, 800, false, true),
                      (33, 70, 20, true, false), (16, 64, 16, false, false), (64, 3, 512, false, false)])
    func packedOperandGivesTheSameBits(m: Int, n: Int, k: Int, ta: Bool, tb: Bool) throws {
        let lda = ta ? m + 3 : k + 5
        let s = GEMMShape(m: m, n: n, k: k, transposeA: ta, transposeB: tb, lda: lda)
        var random = RandomGenerator(seed: UInt64(m + n + k))
        let aCount = ta ? k * lda : m * lda
        let a = Tensor<Float>(shape: [aCount], values: (0..<aCount).map { _ in Float(random.uniform() - 0.5) })
        let b = Tensor<Float>(shape: [k * n], values: (0..<(k * n)).map { _ in Float(random.uniform() - 0.5) })
        let start = (0..<(m * n)).map { _ in Float(random.uniform() - 0.5) }
        let count = try #require(Float.packedOperandCount(s))
        let packed = Tensor<Float>(shape: [count])
        Float.packOperand(s, b.data, into: packed.data)
        for threads in [1, 2] {
            for beta: Float in [0, 1] {
                let plain = Tensor<Float>(shape: [m * n], values: start)
                let fromPacked = Tensor<Float>(shape: [m * n], values: start)
                Float.gemm(s, alpha: 0.5, a.data, b.data, beta: beta, plain.data, Compute(threads: threads))
                Float.gemm(s, alpha: 0.5, a.data, packedB: packed.data, b.data, beta: beta, fromPacked.data,
                           Compute(threads: threads))
                #expect(plain.array == fromPacked.array, "m \(m) n \(n) k \(k) threads \(threads) beta \(beta)")
            }
        }
    }

    /// A B wider than one packed block is not packed once (each product packs its own).
    @Test func tooWideOperandIsNotPacked() {
        #expect(Float.packedOperandCount(GEMMShape(m: 8, n: 20_000, k: 384)) == nil)
        // 500 columns round up to whole panels of the micro-kernel's width (48 with AVX-512, 16 with AVX2).
        let panelWidth = GEMM<Float>.nr
        #expect(Float.packedOperandCount(GEMMShape(m: 8, n: 500, k: 128)) == 128 * ((500 + panelWidth - 1) / panelWidth * panelWidth))
        #expect(Float.packedOperandCount(GEMMShape(m: 8, n: 500, k: 128))! > 128 * 500)
    }
}
