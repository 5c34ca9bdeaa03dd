/// Transposes one square block of `Vector.scalarCount` rows in registers: the packing of
/// a transposed GEMM operand, which would otherwise move one scalar at a time.
///
/// Each round replaces rows (2i, 2i+1) by the concatenation of their even lanes and of
/// their odd lanes; log2(lanes) rounds of this perfect unshuffle transpose the block
/// (Swift's `evenHalf`/`oddHalf` lower to vector permutes).
extension Float {
    /// One pair of rows of a round: the even lanes of `a` then of `b`, and the odd lanes.
    @inline(__always)
    static func unshuffle(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> (even: SIMD16<Float>, odd: SIMD16<Float>) {
        (SIMD16<Float>(lowHalf: a.evenHalf, highHalf: b.evenHalf), SIMD16<Float>(lowHalf: a.oddHalf, highHalf: b.oddHalf))
    }

    @inline(__always)
    public static func transposeBlock(from source: UnsafePointer<Float>, sourceStride: Int,
                                      to target: UnsafeMutablePointer<Float>, targetStride: Int) {
        var r0 = UnsafeRawPointer(source + 0 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r1 = UnsafeRawPointer(source + 1 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r2 = UnsafeRawPointer(source + 2 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r3 = UnsafeRawPointer(source + 3 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r4 = UnsafeRawPointer(source + 4 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r5 = UnsafeRawPointer(source + 5 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r6 = UnsafeRawPointer(source + 6 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r7 = UnsafeRawPointer(source + 7 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r8 = UnsafeRawPointer(source + 8 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r9 = UnsafeRawPointer(source + 9 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r10 = UnsafeRawPointer(source + 10 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r11 = UnsafeRawPointer(source + 11 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r12 = UnsafeRawPointer(source + 12 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r13 = UnsafeRawPointer(source + 13 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r14 = UnsafeRawPointer(source + 14 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        var r15 = UnsafeRawPointer(source + 15 &* sourceStride).loadUnaligned(as: SIMD16<Float>.self)
        for _ in 0..<4 {
            let (e0, o0) = unshuffle(r0, r1)
            let (e1, o1) = unshuffle(r2, r3)
            let (e2, o2) = unshuffle(r4, r5)
            let (e3, o3) = unshuffle(r6, r7)
            let (e4, o4) = unshuffle(r8, r9)
            let (e5, o5) = unshuffle(r10, r11)
            let (e6, o6) = unshuffle(r12, r13)
            let (e7, o7) = unshuffle(r14, r15)
            r0 = e0; r8 = o0
            r1 = e1; r9 = o1
            r2 = e2; r10 = o2
            r3 = e3; r11 = o3
            r4 = e4; r12 = o4
            r5 = e5; r13 = o5
            r6 = e6; r14 = o6
            r7 = e7; r15 = o7
        }
        UnsafeMutableRawPointer(target + 0 &* targetStride).storeBytes(of: r0, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 1 &* targetStride).storeBytes(of: r1, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 2 &* targetStride).storeBytes(of: r2, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 3 &* targetStride).storeBytes(of: r3, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 4 &* targetStride).storeBytes(of: r4, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 5 &* targetStride).storeBytes(of: r5, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 6 &* targetStride).storeBytes(of: r6, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 7 &* targetStride).storeBytes(of: r7, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 8 &* targetStride).storeBytes(of: r8, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 9 &* targetStride).storeBytes(of: r9, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 10 &* targetStride).storeBytes(of: r10, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 11 &* targetStride).storeBytes(of: r11, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 12 &* targetStride).storeBytes(of: r12, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 13 &* targetStride).storeBytes(of: r13, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 14 &* targetStride).storeBytes(of: r14, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 15 &* targetStride).storeBytes(of: r15, as: SIMD16<Float>.self)
    }
}

extension Double {
    @inline(__always)
    public static func transposeBlock(from source: UnsafePointer<Double>, sourceStride: Int,
                                      to target: UnsafeMutablePointer<Double>, targetStride: Int) {
        var r0 = UnsafeRawPointer(source + 0 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        var r1 = UnsafeRawPointer(source + 1 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        var r2 = UnsafeRawPointer(source + 2 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        var r3 = UnsafeRawPointer(source + 3 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        var r4 = UnsafeRawPointer(source + 4 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        var r5 = UnsafeRawPointer(source + 5 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        var r6 = UnsafeRawPointer(source + 6 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        var r7 = UnsafeRawPointer(source + 7 &* sourceStride).loadUnaligned(as: SIMD8<Double>.self)
        for _ in 0..<3 {
            let e0 = SIMD8<Double>(lowHalf: r0.evenHalf, highHalf: r1.evenHalf)
            let o0 = SIMD8<Double>(lowHalf: r0.oddHalf, highHalf: r1.oddHalf)
            let e1 = SIMD8<Double>(lowHalf: r2.evenHalf, highHalf: r3.evenHalf)
            let o1 = SIMD8<Double>(lowHalf: r2.oddHalf, highHalf: r3.oddHalf)
            let e2 = SIMD8<Double>(lowHalf: r4.evenHalf, highHalf: r5.evenHalf)
            let o2 = SIMD8<Double>(lowHalf: r4.oddHalf, highHalf: r5.oddHalf)
            let e3 = SIMD8<Double>(lowHalf: r6.evenHalf, highHalf: r7.evenHalf)
            let o3 = SIMD8<Double>(lowHalf: r6.oddHalf, highHalf: r7.oddHalf)
            r0 = e0; r4 = o0
            r1 = e1; r5 = o1
            r2 = e2; r6 = o2
            r3 = e3; r7 = o3
        }
        UnsafeMutableRawPointer(target + 0 &* targetStride).storeBytes(of: r0, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(target + 1 &* targetStride).storeBytes(of: r1, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(target + 2 &* targetStride).storeBytes(of: r2, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(target + 3 &* targetStride).storeBytes(of: r3, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(target + 4 &* targetStride).storeBytes(of: r4, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(target + 5 &* targetStride).storeBytes(of: r5, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(target + 6 &* targetStride).storeBytes(of: r6, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(target + 7 &* targetStride).storeBytes(of: r7, as: SIMD8<Double>.self)
    }
}

extension KernelScalar {
    /// `target[c·targetStride + r] = source[r·sourceStride + c]` for a `rows` x `columns`
    /// source: whole lanes x lanes blocks in registers (`transposeBlock`), the edges one
    /// scalar at a time. A pure move: the GEMM's transposed packing and swapped products,
    /// and the Winograd layouts, all go through it.
    @inline(__always)
    static func transpose(_ source: UnsafePointer<Self>, rows: Int, columns: Int, sourceStride: Int,
                          into target: UnsafeMutablePointer<Self>, targetStride: Int) {
        let lanes = Vector.scalarCount
        var r0 = 0
        while r0 &+ lanes <= rows {
            var c0 = 0
            while c0 &+ lanes <= columns {
                transposeBlock(from: source + (r0 &* sourceStride &+ c0), sourceStride: sourceStride,
                               to: target + (c0 &* targetStride &+ r0), targetStride: targetStride)
                c0 &+= lanes
            }
            for c in c0..<columns {
                for r in r0..<(r0 &+ lanes) { target[c &* targetStride &+ r] = source[r &* sourceStride &+ c] }
            }
            r0 &+= lanes
        }
        for r in r0..<rows {
            for c in 0..<columns { target[c &* targetStride &+ r] = source[r &* sourceStride &+ c] }
        }
    }
}
