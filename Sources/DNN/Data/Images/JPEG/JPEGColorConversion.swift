/// YCbCr to RGB as libjpeg computes it (jdcolor.c, `ycc_rgb_convert`): four tables of
/// 16-bit fixed-point products, built once, so each pixel is three lookups, two adds and
/// a clamp.
///
///     R = Y + 1.40200 Cr,   G = Y - 0.34414 Cb - 0.71414 Cr,   B = Y + 1.77200 Cb
///
/// with Cb, Cr centred on 128 and R and B rounded in the tables, G rounded after the sum.
struct JPEGColorConversion {
    /// Cr to its R offset, rounded.
    let crToRed: [Int32]
    /// Cb to its B offset, rounded.
    let cbToBlue: [Int32]
    /// Cr to its G term, scaled by 2^16.
    let crToGreen: [Int32]
    /// Cb to its G term, scaled by 2^16, plus one half for the rounding.
    let cbToGreen: [Int32]

    /// The tables for 8-bit samples.
    static let shared = JPEGColorConversion()

    private init() {
        let scaleBits = 16, half = 1 << (scaleBits - 1)
        func fixed(_ x: Double) -> Int { Int(x * Double(1 << scaleBits) + 0.5) }
        crToRed = (0..<256).map { Int32((fixed(1.40200) * ($0 - 128) + half) >> scaleBits) }
        cbToBlue = (0..<256).map { Int32((fixed(1.77200) * ($0 - 128) + half) >> scaleBits) }
        crToGreen = (0..<256).map { Int32(-fixed(0.71414) * ($0 - 128)) }
        cbToGreen = (0..<256).map { Int32(-fixed(0.34414) * ($0 - 128) + half) }
    }

    /// Converts one row of `width` pixels from three full-size sample rows to interleaved RGB.
    func convertRow(y: UnsafePointer<UInt8>, cb: UnsafePointer<UInt8>, cr: UnsafePointer<UInt8>,
                    into rgb: UnsafeMutablePointer<UInt8>, width: Int) {
        crToRed.withUnsafeBufferPointer { crRed in
            cbToBlue.withUnsafeBufferPointer { cbBlue in
                crToGreen.withUnsafeBufferPointer { crGreen in
                    cbToGreen.withUnsafeBufferPointer { cbGreen in
                        for x in 0..<width {
                            let luma = Int32(y[x]), blue = Int(cb[x]), red = Int(cr[x])
                            let green = (cbGreen[blue] &+ crGreen[red]) >> 16
                            rgb[3 * x] = Self.clamp(luma &+ crRed[red])
                            rgb[3 * x + 1] = Self.clamp(luma &+ green)
                            rgb[3 * x + 2] = Self.clamp(luma &+ cbBlue[blue])
                        }
                    }
                }
            }
        }
    }

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
