/// Decodes JPEG files to pixels equal to Pillow's (libjpeg-turbo with its defaults).
///
/// Baseline, extended-sequential and progressive Huffman-coded 8-bit images with 1 or 3
/// components, any integral sampling factors, restart markers; APP14 "Adobe" transform
/// flags are honoured. The inverse DCT is libjpeg's accurate integer one (jidctint.c),
/// chroma is upsampled with its "fancy" triangular filters (jdsample.c) and converted
/// with its fixed-point YCbCr tables (jdcolor.c), so the bytes match Pillow's.
///
/// The code lives in `JPEG/`: markers and tables (`JPEGDecoding+Markers`, `JPEGHuffmanTable`),
/// the bit reader, sequential and progressive scans, the inverse DCT, upsampling and colour.
public enum JPEGDecoder {
    /// The pixels of the JPEG file whose contents are `bytes`: 1 channel for a greyscale
    /// image, 3 (RGB) for a colour one.
    ///
    /// - Parameter file: the path, named in errors.
    /// - Throws: `DNNError(.data)` at `file: byte N` for damaged data (truncated, bad
    ///   tables, lengths or indexes, corrupt entropy-coded data), for sizes over
    ///   `JPEGFrame.maximumPixels`, and for what is not supported, named: arithmetic coding,
    ///   12-bit samples, lossless and hierarchical JPEG, 4 components (CMYK/YCCK).
    public static func decode(_ bytes: [UInt8], file: String) throws -> DecodedImage {
        try bytes.withUnsafeBufferPointer { buffer in
            guard buffer.baseAddress != nil else {
                throw JPEGError.at(file, 0, "not a JPEG file: it is empty")
            }
            return try JPEGDecoding(bytes: buffer, file: file).run()
        }
    }
}
