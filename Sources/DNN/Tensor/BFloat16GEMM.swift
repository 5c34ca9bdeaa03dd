import CBFloat16

/// The bfloat16 product of `precision: "bf16"`: the same split over threads as `GEMM`
/// (rows in its row panels, or columns in whole vectors), each part computed by the C
/// target CBFloat16, whose micro-kernel uses VDPBF16PS (32 bf16 multiply-adds per
/// instruction, float32 sums: twice the float32 FMA rate). Operands are rounded to
/// bfloat16 (nearest even) while they are packed, so no bf16 copy of a weight is kept.
enum BFloat16GEMM {
    /// `C = alpha · op(A)·op(B) + beta · C` for Float matrices (`T` is Float; the caller checks),
    /// split as the float32 GEMM splits it: `units` of `rowsPerUnit` rows (its micro-tile's
    /// height, 8 or 4 by instruction set) or of `lanes` columns. The C kernel takes any range.
    static func multiply<T>(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, beta: T,
                            _ c: UnsafeMutablePointer<T>, units: Int, grain: Int, splitColumns: Bool,
                            rowsPerUnit mr: Int, lanes: Int, _ compute: Compute) {
        let floatA = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
        let floatB = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
        let floatC = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
        let alpha = unsafeBitCast(alpha, to: Float.self), beta = unsafeBitCast(beta, to: Float.self)
        let shape = dnn_bf16_shape(m: s.m, n: s.n, k: s.k, transpose_a: s.transposeA ? 1 : 0,
                                   transpose_b: s.transposeB ? 1 : 0, lda: s.lda, ldb: s.ldb, ldc: s.ldc)
        let scratchFloats = (dnn_bf16_scratch_bytes(s.k) + 3) / 4
        compute.parallelRanges(units, grain: grain, scratch: scratchFloats, as: Float.self) { range, scratch in
            let rows = splitColumns ? 0..<s.m : (range.lowerBound * mr)..<Swift.min(s.m, range.upperBound * mr)
            let columns = splitColumns
                ? (range.lowerBound * lanes)..<Swift.min(s.n, range.upperBound * lanes) : 0..<s.n
            var shape = shape
            dnn_bf16_gemm_block(&shape, alpha, floatA, floatB, beta, floatC, rows.lowerBound, rows.upperBound,
                                columns.lowerBound, columns.upperBound, scratch)
        }
    }

    /// Rounds `count` values to bfloat16 in place when `compute` runs bf16 products on
    /// Float (for the direct convolution, whose loops multiply without a GEMM); else
    /// does nothing. Returns whether it rounded.
    @discardableResult
    static func roundOperands<T>(_ values: UnsafeMutablePointer<T>, count: Int, _ compute: Compute) -> Bool {
        roundOperands(UnsafePointer(values), into: values, count: count, compute)
    }

    /// `values` rounded to bfloat16 into `target` on the calling thread (`T` is Float).
    static func round<T>(_ values: UnsafePointer<T>, into target: UnsafeMutablePointer<T>, count: Int) {
        precondition(T.self == Float.self, "bfloat16 rounding of \(T.self)")
        dnn_bf16_round_copy(UnsafeRawPointer(values).assumingMemoryBound(to: Float.self),
                            UnsafeMutableRawPointer(target).assumingMemoryBound(to: Float.self), count)
    }

    /// `values` rounded to bfloat16 into `target` (one pass, split over the threads) when
    /// `compute` runs bf16 products on Float; else does nothing. Returns whether it rounded.
    @discardableResult
    static func roundOperands<T>(_ values: UnsafePointer<T>, into target: UnsafeMutablePointer<T>, count: Int,
                                 _ compute: Compute) -> Bool {
        guard T.self == Float.self && compute.productPrecision == .bf16 else { return false }
        let source = UnsafeRawPointer(values).assumingMemoryBound(to: Float.self)
        let destination = UnsafeMutableRawPointer(target).assumingMemoryBound(to: Float.self)
        compute.parallelRanges(count, grain: 1 << 15) { range in
            dnn_bf16_round_copy(source + range.lowerBound, destination + range.lowerBound, range.count)
        }
        return true
    }
}
