import CZlib

/// The zlib stream of a PNG's IDAT chunks, inflated into a buffer of exactly the size the
/// header implies: a stream that would inflate past it (a decompression bomb, or a
/// damaged file) is refused at the first byte too many, so memory never exceeds it.
enum PNGInflate {
    /// Inflates the concatenated `pieces` of `bytes` into `output`, which must be filled exactly.
    ///
    /// - Throws: `DNNError.data(file, ...)` when the stream is corrupt, ends early
    ///   (truncated image data), or holds more than `output.count` bytes.
    static func inflate(_ bytes: UnsafeBufferPointer<UInt8>, pieces: [Range<Int>], into output: UnsafeMutableBufferPointer<UInt8>,
                        file: String) throws {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DNNError.data(file, "cannot start zlib decompression")
        }
        defer { inflateEnd(&stream) }
        var produced = 0
        var ended = false
        for piece in pieces where !piece.isEmpty && !ended {
            stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress! + piece.lowerBound)
            stream.avail_in = UInt32(piece.count)
            while stream.avail_in > 0 && !ended {
                let room = output.count - produced
                // Past the expected size: one spare byte tells a longer stream from a full one.
                var spare: UInt8 = 0
                let status: Int32 = withUnsafeMutablePointer(to: &spare) { sparePointer in
                    stream.next_out = room > 0 ? output.baseAddress! + produced : sparePointer
                    stream.avail_out = room > 0 ? UInt32(min(room, Int(UInt32.max))) : 1
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let written = (room > 0 ? min(room, Int(UInt32.max)) : 1) - Int(stream.avail_out)
                guard room > 0 || written == 0 else { throw tooLong(file, expected: output.count) }
                produced += written
                switch status {
                case Z_STREAM_END: ended = true
                case Z_OK: continue
                case Z_BUF_ERROR: ended = true  // no progress possible; the size check below says why
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DNNError.data(file, "corrupt image data (IDAT): \(reason)")
                }
            }
        }
        guard produced == output.count else {
            throw DNNError.data(file, "truncated image data: the IDAT stream inflates to \(grouped(produced)) bytes, "
                                + "the header needs \(grouped(output.count))")
        }
    }

    static func tooLong(_ file: String, expected: Int) -> DNNError {
        DNNError.data(file, "the IDAT stream inflates to more than the \(grouped(expected)) bytes the header implies "
                      + "(a damaged file or a decompression bomb)")
    }
}
