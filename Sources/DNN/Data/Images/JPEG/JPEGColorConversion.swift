/// YCbCr to RGB as libjpeg computes it (jdcolor.c, `ycc_rgb_convert`): four tables of
/// 16-bit fixed-point products, built once, so each pixel is three lookups, two adds and
/// a clamp.
///
///     R = Y + 1.40200 Cr,   G = Y - 0.34414 Cb - 0.71414 Cr,   B = Y + 1.77200 Cb
///
/// with Cb, Cr centred on 128 and R and B rounded in the tables, G rounded after the sum.
struct JPEGColorConversion {
    /// Cr to its R offset, rounded (256 entries).
    let crToRed: UnsafePointer<Int32>
    /// Cb to its B offset, rounded.
    let cbToBlue: UnsafePointer<Int32>
    /// Cr to its G term, scaled by 2^16.
    let crToGreen: UnsafePointer<Int32>
    /// Cb to its G term, scaled by 2^16, plus one half for the rounding.
    let cbToGreen: UnsafePointer<Int32>

    /// The tables for 8-bit samples, built once and kept for the life of the process.
    nonisolated(unsafe) static let shared = JPEGColorConversion()

    private init() {
        let scaleBits = 16, half = 1 << (scaleBits - 1)
        func fixed(_ x: Double) -> Int { Int(x * Double(1 << scaleBits) + 0.5) }
        func table(_ entry: (Int) -> Int) -> UnsafePointer<Int32> {
            let values = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
            for sample in 0..<256 { values[sample] = Int32(entry(sample - 128)) }
            return UnsafePointer(values)
        }
        crToRed = table { (fixed(1.40200) * $0 + half) >> scaleBits }
        cbToBlue = table { (fixed(1.77200) * $0 + half) >> scaleBits }
        crToGreen = table { -fixed(0.71414) * $0 }
        cbToGreen = table { -fixed(0.34414) * $0 + half }
    }

    /// Converts one row of `width` pixels from three full-size sample rows to interleaved RGB.
    ///
    /// The tables' entries computed in place (the same products, roundings and shifts), so
    /// the compiler can vectorise the loop: a table lookup per pixel would be a gather.
    func convertRow(y: UnsafePointer<UInt8>, cb: UnsafePointer<UInt8>, cr: UnsafePointer<UInt8>,
                    into rgb: UnsafeMutablePointer<UInt8>, width: Int) {
        let half: Int32 = 1 << 15
        for x in 0..<width {
            let luma = Int32(y[x]), blue = Int32(cb[x]) &- 128, red = Int32(cr[x]) &- 128
            rgb[3 * x] = Self.clamp(luma &+ ((Self.crRed &* red &+ half) &>> 16))
            rgb[3 * x + 1] = Self.clamp(luma &+ ((Self.cbGreen &* blue &+ Self.crGreen &* red &+ half) &>> 16))
            rgb[3 * x + 2] = Self.clamp(luma &+ ((Self.cbBlue &* blue &+ half) &>> 16))
        }
    }

    /// FIX(1.40200), -FIX(0.71414), -FIX(0.34414), FIX(1.77200): the products of the tables.
    static let crRed: Int32 = 91881, crGreen: Int32 = -46802, cbGreen: Int32 = -22554, cbBlue: Int32 = 116130

    /// Interleaves three full-size rows that already hold R, G and B (Adobe transform 0).
    static func interleaveRow(_ red: UnsafePointer<UInt8>, _ green: UnsafePointer<UInt8>,
                              _ blue: UnsafePointer<UInt8>, into rgb: UnsafeMutablePointer<UInt8>, width: Int) {
        for x in 0..<width {
            rgb[3 * x] = red[x]
            rgb[3 * x + 1] = green[x]
            rgb[3 * x + 2] = blue[x]
        }
    }

    /// `value` limited to 0...255 (libjpeg's `range_limit`; a luma plus its offsets stays
    /// within -227...482).
    @inline(__always) static func clamp(_ value: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: min(max(value, 0), 255))
    }
}
