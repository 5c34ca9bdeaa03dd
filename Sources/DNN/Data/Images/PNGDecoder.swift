/// Decodes PNG files (every colour type and bit depth of the standard, palettes, tRNS,
/// Adam7 interlacing) to 8-bit pixels equal to what Pillow decodes, the 16-bit samples
/// reduced to their high byte.
///
/// Every size comes from the header with overflow-checked arithmetic, the image data are
/// inflated into a buffer of exactly the size the header implies, and a header claiming
/// more than `PNGHeader.maximumPixels` pixels is refused before anything is allocated.
public enum PNGDecoder {
    /// Whether `bytes` start with the PNG signature.
    public static func isPNG(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[0..<8]) == PNGChunks.signature
    }

    /// The pixels of a PNG file.
    ///
    /// - Parameter file: named in errors.
    /// - Throws: `DNNError(.data)` naming the file and the problem: truncated, a bad CRC in a
    ///   chunk, a bad filter type at a row, corrupt or overlong image data, absurd dimensions.
    public static func decode(_ bytes: [UInt8], file: String) throws -> DecodedImage {
        try bytes.withUnsafeBufferPointer { input in
            let chunks = try PNGChunks(input, file: file)
            let header = chunks.header
            var raw = [UInt8](unsafeUninitializedCapacity: header.inflatedSize) { buffer, initialized in
                initialized = buffer.count
            }
            try raw.withUnsafeMutableBufferPointer { try PNGInflate.inflate(input, pieces: chunks.data, into: $0, file: file) }
            let pixels = PNGPixels(chunks)
            let count = header.width * header.height * pixels.channels
            let out = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                try raw.withUnsafeMutableBufferPointer { try expand($0.baseAddress!, into: buffer.baseAddress!, pixels, file) }
                initialized = count
            }
            return DecodedImage(width: header.width, height: header.height, channels: pixels.channels, pixels: out)
        }
    }

    /// Unfilters every pass of the inflated data `raw` and places its pixels in `out`.
    private static func expand(_ raw: UnsafeMutablePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>,
                               _ pixels: PNGPixels, _ file: String) throws {
        let header = pixels.header
        var passStart = raw
        for (number, pass) in header.passes.enumerated() {
            let rowBytes = header.rowBytes(pixels: pass.width)
            try PNGFilters.unfilter(passStart, rows: pass.height, rowBytes: rowBytes, stride: header.filterStride,
                                    file: file) { y in
                header.interlaced ? "row \(y) of interlace pass \(number + 1)" : "row \(y)"
            }
            for y in 0..<pass.height {
                let target = out + ((pass.y + y * pass.dy) * header.width + pass.x) * pixels.channels
                pixels.expand(passStart + y * (1 + rowBytes) + 1, count: pass.width, into: target, step: pass.dx)
            }
            passStart += pass.height * (1 + rowBytes)
        }
    }
}
