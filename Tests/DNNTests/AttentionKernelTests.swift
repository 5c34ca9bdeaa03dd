import Foundation
import Testing
@testable import DNN

/// The attention softmax and its backward against the straightforward loops, in Double,
/// with NaN past the diagonal of a causal block (what the skipped products leave there
/// may be anything), and the vector helpers they use. The kernels take a head's scores
/// transposed, [keys, queries]; the references are written along rows, [queries, keys].
@Suite struct AttentionKernelTests {
    /// softmax(scale · s) per row over the columns j ≤ i when causal, 0 elsewhere.
    static func referenceSoftmax(_ s: [Float], rows: Int, columns: Int, scale: Double, causal: Bool) -> [Double] {
        var p = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            let used = causal ? min(i + 1, columns) : columns
            let row = (0..<used).map { Double(s[i * columns + $0]) }
            let largest = row.max()!
            let terms = row.map { exp(scale * ($0 - largest)) }
            let total = terms.reduce(0, +)
            for j in 0..<used { p[i * columns + j] = terms[j] / total }
        }
        return p
    }

    /// Scores with NaN above the diagonal when causal.
    static func scores(rows: Int, columns: Int, causal: Bool, seed: UInt64) -> [Float] {
        var random = RandomGenerator(seed: seed)
        var s = (0..<(rows * columns)).map { _ in Float(random.uniform() * 8 - 4) }
        if causal {
            for i in 0..<rows { for j in (i + 1)..<max(i + 1, columns) { s[i * columns + j] = .nan } }
        }
        return s
    }

    /// A square matrix transposed: [rows, columns] to [columns, rows].
    static func transposed<S>(_ x: [S], size: Int) -> [S] {
        (0..<(size * size)).map { x[($0 % size) * size + $0 / size] }
    }

    @Test(arguments: [(64, true), (64, false), (20, true), (20, false), (5, true), (33, false), (40, true)])
    func softmaxMatchesTheStraightforwardLoop(columns: Int, causal: Bool) {
        let rows = columns, scale: Float = 0.25
        let s = Self.scores(rows: rows, columns: columns, causal: causal, seed: 3)
        let expected = Self.referenceSoftmax(s, rows: rows, columns: columns, scale: Double(scale), causal: causal)
        var pT = Self.transposed(s, size: rows)
        pT.withUnsafeMutableBufferPointer {
            Float.attentionSoftmax($0.baseAddress!, keys: rows, queries: rows, scale: scale, causal: causal)
        }
        let p = Self.transposed(pT, size: rows)
        for k in 0..<(rows * columns) {
            #expect(abs(Double(p[k]) - expected[k]) <= 1e-6 * max(expected[k], 1e-3), "element \(k): \(p[k]) vs \(expected[k])")
            if expected[k] == 0 { #expect(p[k] == 0, "element \(k) past the diagonal: \(p[k])") }
        }
    }

    @Test(arguments: [(64, true), (64, false), (20, true), (33, false)])
    func softmaxBackwardMatchesTheStraightforwardLoop(columns: Int, causal: Bool) {
        let rows = columns, scale: Float = 0.25
        var pT = Self.transposed(Self.scores(rows: rows, columns: columns, causal: causal, seed: 5), size: rows)
        pT.withUnsafeMutableBufferPointer {
            Float.attentionSoftmax($0.baseAddress!, keys: rows, queries: rows, scale: scale, causal: causal)
        }
        let p = Self.transposed(pT, size: rows)
        let dp = Self.scores(rows: rows, columns: columns, causal: causal, seed: 7)
        var expected = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            let used = causal ? min(i + 1, columns) : columns
            var dot = 0.0
            for j in 0..<used { dot += Double(p[i * columns + j]) * Double(dp[i * columns + j]) }
            for j in 0..<used {
                let k = i * columns + j
                expected[k] = Double(scale) * Double(p[k]) * (Double(dp[k]) - dot)
            }
        }
        var dpT = Self.transposed(dp, size: rows)
        pT.withUnsafeBufferPointer { pp in
            dpT.withUnsafeMutableBufferPointer {
                Float.attentionSoftmaxBackward(pp.baseAddress!, $0.baseAddress!, keys: rows, queries: rows,
                                               scale: scale, causal: causal)
            }
        }
        let ds = Self.transposed(dpT, size: rows)
        for k in 0..<(rows * columns) {
            #expect(abs(Double(ds[k]) - expected[k]) <= 1e-5 * max(abs(expected[k]), 1e-3),
                    "element \(k): \(ds[k]) vs \(expected[k])")
            if expected[k] == 0 { #expect(ds[k] == 0, "element \(k) past the diagonal: \(ds[k])") }
        }
    }

    @Test func firstLanesAndLanesFromKeepTheirLanesAndLaneTotalAddsEveryLane() {
        let v = SIMD16<Float>((0..<16).map { Float($0) + 0.5 })
        for count in 0...16 {
            let kept = Float.firstLanes(v, count, otherwise: -.infinity)
            for lane in 0..<16 { #expect(kept[lane] == (lane < count ? v[lane] : -.infinity)) }
            let rest = Float.lanesFrom(v, count, otherwise: 0)
            for lane in 0..<16 { #expect(rest[lane] == (lane >= count ? v[lane] : 0)) }
        }
        #expect(Float.laneTotal(v) == 128)
        let w = SIMD8<Double>((0..<8).map { Double($0) * 0.25 })
        for count in 0...8 {
            let kept = Double.firstLanes(w, count, otherwise: 0)
            for lane in 0..<8 { #expect(kept[lane] == (lane < count ? w[lane] : 0)) }
            let rest = Double.lanesFrom(w, count, otherwise: -1)
            for lane in 0..<8 { #expect(rest[lane] == (lane >= count ? w[lane] : -1)) }
        }
        #expect(Double.laneTotal(w) == 7)
    }
}
