import CBFloat16
import Foundation

/// eˣ and erf(x) for a whole vector at once.
///
/// C's `expf` and `erff` are calls LLVM does not vectorise: a softmax over 256 logits at
/// every position, or a GELU over half a million activations, then spends most of its
/// time in scalar libm. Float gets polynomial forms within a few ulps (as PyTorch's
/// vectorised kernels, which use Sleef's `expf` and the same erf); Double keeps libm per
/// lane, so the gradient checks and the Double fixtures see exactly the scalar results.
extension Float {
    /// eˣ per lane for |x| within Float's range (clamped to [-87.3, 88.3]): x = n·ln2 + r,
    /// Cephes' degree-6 polynomial for eʳ, and 2ⁿ from the exponent bits. n is rounded by
    /// adding 1.5·2²³, whose sum keeps n in its low mantissa bits (the stdlib's rounding
    /// and float-to-int conversions of SIMD vectors run as generic code). e^-inf is
    /// e^-87.3 ≈ 1e-38, which a softmax sum cannot see.
    @inline(__always) public static func exponential(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let clamped = pointwiseMax(pointwiseMin(x, SIMD16(repeating: 88.3)), SIMD16(repeating: -87.3))
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_040_888_963_4 + magic
        let n = shifted - magic
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let r = clamped - n * 0.693_359_375 - n * -2.121_944_4e-4
        var p = SIMD16<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let powerOfTwo = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
        return (p * (r * r) + r + 1) * powerOfTwo
    }

    /// `exponential` with each step of the reduction and the polynomial a fused
    /// multiply-add (one rounding, as in PyTorch's vectorised exp) where the target has
    /// FMA: fewer instructions for the attention softmax, the cross-entropy and the GELU
    /// (gpt_tiny about 2.5% faster on an Intel Xeon). The recurrent cells' sigmoid and tanh
    /// keep `exponential`: inside them this one made the LSTM's step kernel call them
    /// rather than inline them (-5%), hence two copies of the same polynomial.
    @inline(__always) public static func fusedExponential(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let high = SIMD16<Float>(repeating: 88.3), low = SIMD16<Float>(repeating: -87.3)
        // Selects rather than pointwiseMin/Max, which stay calls in a kernel as large as
        // the cross-entropy's. NaN stays NaN, as through them.
        let clamped = x.replacing(with: high, where: x .> high).replacing(with: low, where: x .< low)
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let shifted = multiplyAdd(clamped, SIMD16(repeating: 1.442_695_040_888_963_4), magic)
        let n = shifted - magic
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let r = multiplyAdd(n, SIMD16(repeating: 2.121_944_4e-4),
                            multiplyAdd(n, SIMD16(repeating: -0.693_359_375), clamped))
        var p = SIMD16<Float>(repeating: 1.987_569_150_0e-4)
        p = multiplyAdd(p, r, SIMD16(repeating: 1.398_199_950_7e-3))
        p = multiplyAdd(p, r, SIMD16(repeating: 8.333_451_907_3e-3))
        p = multiplyAdd(p, r, SIMD16(repeating: 4.166_579_589_4e-2))
        p = multiplyAdd(p, r, SIMD16(repeating: 1.666_666_545_9e-1))
        p = multiplyAdd(p, r, SIMD16(repeating: 5.000_000_120_1e-1))
        let powerOfTwo = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
        return (multiplyAdd(p, r * r, r) + 1) * powerOfTwo
    }

    /// erf(x) per lane: Abramowitz and Stegun 7.1.26, `1 - (a₁t + … + a₅t⁵)·e^(-x²)` with
    /// t = 1/(1 + p|x|) and the sign of x, absolute error below 1.5e-7 (PyTorch's
    /// `Vectorized<float>::erf`, what its exact GELU runs on), with fused multiply-adds.
    @inline(__always) public static func errorFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let sign = bits & 0x8000_0000
        let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD16<Float>.self)
        let t = 1 / multiplyAdd(magnitude, SIMD16(repeating: 0.327_591_1), SIMD16(repeating: 1))
        var r = SIMD16<Float>(repeating: 1.061_405_429)
        r = multiplyAdd(r, t, SIMD16(repeating: -1.453_152_027))
        r = multiplyAdd(r, t, SIMD16(repeating: 1.421_413_741))
        r = multiplyAdd(r, t, SIMD16(repeating: -0.284_496_736))
        r = multiplyAdd(r, t, SIMD16(repeating: 0.254_829_592))
        let value = multiplyAdd(-(r * t), fusedExponential(-(magnitude * magnitude)), SIMD16(repeating: 1))
        return unsafeBitCast(unsafeBitCast(value, to: SIMD16<UInt32>.self) | sign, to: SIMD16<Float>.self)
    }

    /// `a·b + c` per lane, fused (`dnn_multiply_add16`) except on an x86 baseline build,
    /// where a fused product would be a libm call per lane.
    @inline(__always) static func multiplyAdd(_ a: SIMD16<Float>, _ b: SIMD16<Float>,
                                              _ c: SIMD16<Float>) -> SIMD16<Float> {
        #if arch(x86_64) && DNN_VECTOR_BITS_128
        return a * b + c
        #else
        return dnn_multiply_add16(a, b, c)
        #endif
    }
}

extension Double {
    @inline(__always) public static func exponential(_ x: SIMD8<Double>) -> SIMD8<Double> {
        var y = x
        for lane in 0..<8 { y[lane] = Foundation.exp(x[lane]) }
        return y
    }

    /// libm per lane, as `exponential`.
    @inline(__always) public static func fusedExponential(_ x: SIMD8<Double>) -> SIMD8<Double> { exponential(x) }

    @inline(__always) public static func errorFunction(_ x: SIMD8<Double>) -> SIMD8<Double> {
        var y = x
        for lane in 0..<8 { y[lane] = Foundation.erf(x[lane]) }
        return y
    }
}
