/// A PNG file's IHDR chunk: the image's size and how its samples are stored, with the
/// sizes that follow from them, every one computed with overflow-checked arithmetic.
struct PNGHeader: Equatable {
    /// Pixels per row and rows, each in 1...2^31-1.
    let width: Int
    let height: Int
    /// Bits per sample (per palette index for colour type 3): 1, 2, 4, 8 or 16.
    let bitDepth: Int
    /// 0 grey, 2 RGB, 3 palette, 4 grey and alpha, 6 RGBA.
    let colorType: Int
    /// Adam7 interlacing (the only method the standard defines) when true.
    let interlaced: Bool

    /// The most pixels an image may have: Pillow's `Image.MAX_IMAGE_PIXELS` doubled, the
    /// size at which Pillow raises `DecompressionBombError`. A header that claims more is
    /// refused before anything is allocated.
    static let maximumPixels = 2 * 89_478_485

    /// Samples per pixel as stored: 1, 3, 1 (an index), 2 or 4.
    var storedSamples: Int {
        switch colorType {
        case 2: 3
        case 4: 2
        case 6: 4
        default: 1
        }
    }

    /// Bits of one stored pixel.
    var bitsPerPixel: Int { storedSamples * bitDepth }

    /// The distance, in bytes, between a byte and the one the filters pair it with
    /// (the byte of the pixel to its left), at least 1.
    var filterStride: Int { max(1, bitsPerPixel / 8) }

    /// Bytes of one filtered row of `pixels` pixels, without its filter-type byte.
    func rowBytes(pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }

    /// Reads and checks the 13 bytes of IHDR.
    ///
    /// - Throws: `DNNError.data(file, ...)` for a zero or absurd size, an unknown colour
    ///   type, a bit depth that colour type does not allow, or an unknown compression,
    ///   filter or interlace method.
    init(_ data: UnsafeBufferPointer<UInt8>, file: String) throws {
        guard data.count == 13 else {
            throw DNNError.data(file, "the IHDR chunk holds \(data.count) bytes, not 13")
        }
        func word(_ at: Int) -> Int { Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3]) }
        width = word(0)
        height = word(4)
        bitDepth = Int(data[8])
        colorType = Int(data[9])
        interlaced = data[12] == 1
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw DNNError.data(file, "the header claims \(width) x \(height) pixels; each side must be in 1...\((1 << 31) - 1)")
        }
        let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[colorType] else {
            throw DNNError.data(file, "unknown PNG colour type \(colorType) (expected 0, 2, 3, 4 or 6)")
        }
        guard depths.contains(bitDepth) else {
            throw DNNError.data(file, "bit depth \(bitDepth) is not allowed for colour type \(colorType) "
                                + "(allowed: \(depths.map(String.init).joined(separator: ", ")))")
        }
        guard data[10] == 0, data[11] == 0, data[12] <= 1 else {
            throw DNNError.data(file, "unknown compression, filter or interlace method "
                                + "(\(data[10]), \(data[11]), \(data[12])) in IHDR")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= Self.maximumPixels else {
            throw DNNError.data(file, "the header claims \(width) x \(height) pixels, more than the "
                                + "\(grouped(Self.maximumPixels)) an image may have (a damaged file or a decompression bomb)")
        }
    }

    /// The passes of the image: one covering it all, or Adam7's seven (empty ones left out).
    var passes: [ImagePass] {
        guard interlaced else { return [ImagePass(x: 0, y: 0, dx: 1, dy: 1, width: width, height: height)] }
        let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        return adam7.compactMap { x, y, dx, dy in
            let pass = ImagePass(x: x, y: y, dx: dx, dy: dy, width: width > x ? (width - x + dx - 1) / dx : 0,
                                 height: height > y ? (height - y + dy - 1) / dy : 0)
            return pass.width > 0 && pass.height > 0 ? pass : nil
        }
    }

    /// The bytes the inflated IDAT stream must hold: every pass's rows, each a filter-type
    /// byte and its samples. At most about 8.6 bytes per pixel, so it cannot overflow for
    /// a header that passed `init`'s pixel limit.
    var inflatedSize: Int {
        passes.reduce(0) { $0 + $1.height * (1 + rowBytes(pixels: $1.width)) }
    }
}

/// One pass of an image: the pixels at (x + i·dx, y + j·dy), `width` x `height` of them.
struct ImagePass: Equatable {
    let x: Int, y: Int, dx: Int, dy: Int
    let width: Int, height: Int
}
