/// √x for a whole vector at once.
///
/// Swift's `squareRoot()` calls C's `sqrtf` with errno semantics, which LLVM will not
/// vectorise: an optimizer update over half a million parameters then spends most of its
/// time in scalar square roots. Here: the exponent-halving estimate of 1/√x (the
/// "fast inverse square root" bit trick), Newton steps `y ← y·(1.5 - x/2·y²)` to full
/// precision, then √x ≈ x·y corrected once with the exact residual `x - s²` (a fused
/// multiply-add): within an ulp of the IEEE result. √0 is 0. Inputs are non-negative
/// (second-moment estimates); subnormal inputs converge less far, which no caller can
/// see next to its `eps`.
extension Float {
    @inline(__always)
    public static func squareRoot(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        var y = unsafeBitCast(SIMD16<UInt32>(repeating: 0x5F37_5A86) &- (bits &>> 1), to: SIMD16<Float>.self)
        let half = x * 0.5
        for _ in 0..<3 { y = y * (1.5 - half * y * y) }
        let s = x * y
        let residual = x.addingProduct(-s, s)
        return s.addingProduct(residual, y * 0.5)
    }
}

extension Double {
    @inline(__always)
    public static func squareRoot(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        var y = unsafeBitCast(SIMD8<UInt64>(repeating: 0x5FE6_EB50_C7B5_37A9) &- (bits &>> 1), to: SIMD8<Double>.self)
        let half = x * 0.5
        for _ in 0..<4 { y = y * (1.5 - half * y * y) }
        let s = x * y
        let residual = x.addingProduct(-s, s)
        return s.addingProduct(residual, y * 0.5)
    }
}
