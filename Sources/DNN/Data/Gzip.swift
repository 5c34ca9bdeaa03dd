import CZlib

/// gzip decompression through zlib, for data files that may come compressed
/// (MNIST's `.gz` files). Files are recognised by their magic bytes, never by name.
enum Gzip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed contents of a gzip stream; concatenated members (as `cat a.gz
    /// b.gz` makes) are decompressed one after another.
    ///
    /// - Parameter file: named in errors.
    /// - Throws: `DNNError(.data, at: file, ...)` when the stream is corrupt or truncated,
    ///   or is followed by bytes that are not another gzip member.
    static func decompress(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        var output: [UInt8] = []
        // The last four bytes of a member hold its size modulo 2^32: a good first guess
        // when plausible (deflate expands at most about 1032:1; a damaged file may claim anything).
        var sizeHint = 0
        if bytes.count >= 18 {
            let n = bytes.count
            let size = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
            sizeHint = min(size, bytes.count * 1032, 1 << 30)
        }
        try bytes.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < input.count {
                guard input.count - offset >= 2, input[offset] == 0x1F, input[offset + 1] == 0x8B else {
                    throw DNNError(.data, at: "\(file): byte \(offset)",
                                   "unexpected data after the end of the gzip stream")
                }
                offset += try inflateMember(UnsafeBufferPointer(rebasing: input[offset...]), into: &output,
                                            sizeHint: sizeHint, file: file, memberOffset: offset)
            }
        }
        return output
    }

    /// Inflates one gzip member at the start of `input`, appending to `output`.
    /// Returns how many input bytes the member used.
    private static func inflateMember(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8],
                                      sizeHint: Int, file: String, memberOffset: Int) throws -> Int {
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer, with the largest window.
        let status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DNNError(.data, at: file, "cannot start gzip decompression (zlib error \(status))")
        }
        defer { inflateEnd(&stream) }

        // zlib counts in 32 bits: feed the input in pieces of at most 1 GiB.
        var fed = 0
        func feed() {
            let piece = min(input.count - fed, 1 << 30)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + fed })
            stream.avail_in = UInt32(piece)
            fed += piece
        }
        feed()
        let chunk = 1 << 20
        while true {
            if stream.avail_in == 0 && fed < input.count { feed() }
            let start = output.count
            // Room for the whole expected output at first, then doubling.
            let room = max(chunk, output.isEmpty ? sizeHint : output.count)
            output.append(contentsOf: repeatElement(0, count: room))
            let result: Int32 = output.withUnsafeMutableBufferPointer { target in
                stream.next_out = target.baseAddress! + start
                stream.avail_out = UInt32(clamping: room)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let produced = room - Int(stream.avail_out)
            output.removeSubrange((start + produced)...)
            let consumed = fed - Int(stream.avail_in)
            switch result {
            case Z_STREAM_END:
                return consumed
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_out == 0 || fed < input.count:
                continue
            case Z_BUF_ERROR:
                throw DNNError(.data, at: "\(file): byte \(memberOffset + consumed)",
                               "truncated gzip stream: the compressed data ends before the end of the stream")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                throw DNNError(.data, at: "\(file): byte \(memberOffset + consumed)", "corrupt gzip stream: \(reason)")
            }
        }
    }
}
