/// libjpeg's accurate integer inverse DCT (`jpeg_idct_islow`, jidctint.c, the DCT method
/// Pillow uses): the Loeffler-Ligtenberg-Moschytz algorithm with 13-bit fixed-point
/// constants, columns first with 2 extra bits of precision, then rows, then a
/// wrap-around range limit to 0...255.
///
/// Every rounding step and every 32-bit truncation of the intermediate values is libjpeg's,
/// so the output bytes are libjpeg's (and libjpeg-turbo's SIMD versions give the same).
enum JPEGInverseDCT {
    static let constBits = 13
    static let pass1Bits = 2

    /// The range limit: `table[(x + 128) & 1023]` is the output byte of an IDCT value x,
    /// clamped to 0...255 for |x| < 512 and wrapping beyond, as libjpeg's `range_limit`
    /// indexed with `RANGE_MASK`.
    nonisolated(unsafe) static let rangeLimit: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 1024)
        for index in 0..<1024 { table[index] = index < 256 ? UInt8(index) : (index < 640 ? 255 : 0) }
        return UnsafePointer(table)
    }()

    /// The eight outputs of the 1-D transform of `x0...x7` before descaling (even part times
    /// 2^13 plus the odd part), in output order 0...7.
    @inline(__always)
    static func transform(_ x0: Int, _ x1: Int, _ x2: Int, _ x3: Int, _ x4: Int, _ x5: Int, _ x6: Int,
                          _ x7: Int) -> (Int, Int, Int, Int, Int, Int, Int, Int) {
        // Even part: the rotation by sqrt(2)*c6 of inputs 2 and 6, and inputs 0 and 4.
        let z1 = (x2 &+ x6) &* 4433
        let t2 = z1 &+ x6 &* -15137
        let t3 = z1 &+ x2 &* 6270
        let t0 = (x0 &+ x4) << constBits
        let t1 = (x0 &- x4) << constBits
        let t10 = t0 &+ t3, t13 = t0 &- t3, t11 = t1 &+ t2, t12 = t1 &- t2
        // Odd part: inputs 7, 5, 3, 1 (libjpeg's tmp0...tmp3).
        let z5 = (x7 &+ x5 &+ x3 &+ x1) &* 9633
        let za = (x7 &+ x1) &* -7373, zb = (x5 &+ x3) &* -20995
        let zc = (x7 &+ x3) &* -16069 &+ z5, zd = (x5 &+ x1) &* -3196 &+ z5
        let o0 = x7 &* 2446 &+ za &+ zc
        let o1 = x5 &* 16819 &+ zb &+ zd
        let o2 = x3 &* 25172 &+ zb &+ zc
        let o3 = x1 &* 12299 &+ za &+ zd
        return (t10 &+ o3, t11 &+ o2, t12 &+ o1, t13 &+ o0, t13 &- o0, t12 &- o1, t11 &- o2, t10 &- o3)
    }

    /// Dequantizes the 64 coefficients of one block (natural order) and writes its 8x8
    /// samples at `output`, rows `stride` bytes apart.
    ///
    /// - Parameters:
    ///   - workspace: 64 Int32 of scratch space, the columns' results.
    ///   - range: `rangeLimit`.
    @inline(__always)
    static func block(_ coefficients: UnsafePointer<Int16>, quantization: UnsafePointer<Int32>,
                      output: UnsafeMutablePointer<UInt8>, stride: Int, workspace: UnsafeMutablePointer<Int32>,
                      range: UnsafePointer<UInt8>) {
        columns(coefficients, quantization, workspace)
        for row in 0..<8 {
            rowPass(workspace + 8 * row, output + row * stride, range)
        }
    }

    /// A block whose only non-zero coefficient is the DC one: every sample is the same,
    /// the value both passes give (each column and row takes libjpeg's all-zero shortcut).
    @inline(__always)
    static func constantBlock(dc: Int16, quantization: Int32, output: UnsafeMutablePointer<UInt8>, stride: Int,
                              range: UnsafePointer<UInt8>) {
        let column = Int32(truncatingIfNeeded: (Int(dc) &* Int(quantization)) << pass1Bits)
        let value = range[((Int(column) &+ 16) >> 5 &+ 128) & 1023]
        let row = UInt64(value) &* 0x0101_0101_0101_0101
        for y in 0..<8 {
            UnsafeMutableRawPointer(output + y * stride).storeBytes(of: row, as: UInt64.self)
        }
    }

    /// Whether every AC coefficient of the block is zero.
    @inline(__always)
    static func onlyDC(_ coefficients: UnsafePointer<Int16>) -> Bool {
        var bits = UnsafeRawPointer(coefficients).loadUnaligned(as: SIMD8<Int16>.self)
        bits[0] = 0
        for row in 1..<8 { bits |= UnsafeRawPointer(coefficients + 8 * row).loadUnaligned(as: SIMD8<Int16>.self) }
        return bits == SIMD8<Int16>()
    }

    /// The column pass on all 8 columns at once, as 8-lane vectors (a row of the block per
    /// vector): dequantize, transform, descale by 2^11 into the workspace. Lanes of 32 bits
    /// hold every value of a valid image (libjpeg-turbo's SIMD code packs them into 16).
    @inline(__always)
    static func columns(_ input: UnsafePointer<Int16>, _ quantization: UnsafePointer<Int32>,
                        _ workspace: UnsafeMutablePointer<Int32>) {
        typealias Lanes = SIMD8<Int32>
        @inline(__always) func value(_ row: Int) -> Lanes {
            let coefficients = UnsafeRawPointer(input + 8 * row).loadUnaligned(as: SIMD8<Int16>.self)
            let factors = UnsafeRawPointer(quantization + 8 * row).loadUnaligned(as: Lanes.self)
            return Lanes(truncatingIfNeeded: coefficients) &* factors
        }
        let x0 = value(0), x1 = value(1), x2 = value(2), x3 = value(3)
        let x4 = value(4), x5 = value(5), x6 = value(6), x7 = value(7)
        let z1 = (x2 &+ x6) &* 4433
        let t2 = z1 &+ x6 &* -15137, t3 = z1 &+ x2 &* 6270
        let t0 = (x0 &+ x4) &<< 13, t1 = (x0 &- x4) &<< 13
        let t10 = t0 &+ t3, t13 = t0 &- t3, t11 = t1 &+ t2, t12 = t1 &- t2
        let z5 = (x7 &+ x5 &+ x3 &+ x1) &* 9633
        let za = (x7 &+ x1) &* -7373, zb = (x5 &+ x3) &* -20995
        let zc = (x7 &+ x3) &* -16069 &+ z5, zd = (x5 &+ x1) &* -3196 &+ z5
        let o0 = x7 &* 2446 &+ za &+ zc, o1 = x5 &* 16819 &+ zb &+ zd
        let o2 = x3 &* 25172 &+ zb &+ zc, o3 = x1 &* 12299 &+ za &+ zd
        @inline(__always) func store(_ row: Int, _ x: Lanes) {
            UnsafeMutableRawPointer(workspace + 8 * row).storeBytes(of: (x &+ 1024) &>> 11, as: Lanes.self)
        }
        store(0, t10 &+ o3); store(1, t11 &+ o2); store(2, t12 &+ o1); store(3, t13 &+ o0)
        store(4, t13 &- o0); store(5, t12 &- o1); store(6, t11 &- o2); store(7, t10 &- o3)
    }

    /// One row of the workspace: transform, descale by 2^18, range-limit into 8 bytes.
    @inline(__always)
    static func rowPass(_ row: UnsafeMutablePointer<Int32>, _ output: UnsafeMutablePointer<UInt8>,
                        _ range: UnsafePointer<UInt8>) {
        @inline(__always) func value(_ index: Int) -> Int { Int(row[index]) }
        let shift = constBits + pass1Bits + 3, round = 1 << (shift - 1)
        @inline(__always) func limit(_ x: Int) -> UInt8 { range[((x &+ round) >> shift &+ 128) & 1023] }
        if row[1] == 0 && row[2] == 0 && row[3] == 0 && row[4] == 0 && row[5] == 0 && row[6] == 0 && row[7] == 0 {
            let dc = range[((value(0) &+ 16) >> 5 &+ 128) & 1023]
            for column in 0..<8 { output[column] = dc }
            return
        }
        let out = transform(value(0), value(1), value(2), value(3), value(4), value(5), value(6), value(7))
        output[0] = limit(out.0); output[1] = limit(out.1); output[2] = limit(out.2); output[3] = limit(out.3)
        output[4] = limit(out.4); output[5] = limit(out.5); output[6] = limit(out.6); output[7] = limit(out.7)
    }
}
