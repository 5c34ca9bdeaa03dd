import CZlib

/// gzip decompression through zlib, for data files that may come compressed
/// (MNIST's `.gz` files). Files are recognised by their magic bytes, never by name.
enum Gzip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The most decompressed bytes we accept by default: 4 GiB, far above any data file
    /// `dnn` can train on in memory (MNIST's largest file is 47 MB), and the bound that
    /// stops a gzip bomb (a small file that inflates up to 1032 times its size per
    /// member) before it exhausts memory.
    static let maximumDecompressedBytes = 1 << 32

    /// The decompressed contents of a gzip stream; concatenated members (as `cat a.gz
    /// b.gz` makes) are decompressed one after another.
    ///
    /// - Parameters:
    ///   - file: named in errors.
    ///   - limit: the most decompressed bytes to produce.
    /// - Throws: `DNNError(.data, at: file, ...)` when the stream is corrupt or truncated,
    ///   is followed by bytes that are not another gzip member, or inflates beyond `limit`.
    static func decompress(_ bytes: [UInt8], file: String, limit: Int = maximumDecompressedBytes) throws -> [UInt8] {
        var output: [UInt8] = []
        // The last four bytes of a member hold its size modulo 2^32: a good first guess
        // when plausible (deflate expands at most about 1032:1; a damaged file may claim
        // anything). Reserved, not filled, so a wrong guess costs address space only.
        if bytes.count >= 18 {
            output.reserveCapacity(min(statedSize(trailer: bytes.suffix(4), compressedSize: bytes.count), 1 << 30, limit))
        }
        try bytes.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < input.count {
                guard input.count - offset >= 2, input[offset] == 0x1F, input[offset + 1] == 0x8B else {
                    throw trailingData(file, at: offset)
                }
                offset += try inflateMember(UnsafeBufferPointer(rebasing: input[offset...]), into: &output,
                                            limit: limit, file: file, memberOffset: offset)
            }
        }
        return output
    }

    /// Inflates one gzip member at the start of `input`, appending to `output`.
    /// Returns how many input bytes the member used.
    private static func inflateMember(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8],
                                      limit: Int, file: String, memberOffset: Int) throws -> Int {
        var stream = z_stream()
        try startMember(&stream, file: file)
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
        while true {
            if stream.avail_in == 0 && fed < input.count { feed() }
            let start = output.count
            // Room doubling with the output (64 KiB at first), in pieces zlib can count,
            // and at most one byte past the limit, which is then refused.
            let room = min(max(1 << 16, output.count), Int(UInt32.max), limit + 1 - output.count)
            output.append(contentsOf: repeatElement(0, count: room))
            let result: Int32 = output.withUnsafeMutableBufferPointer { target in
                stream.next_out = target.baseAddress! + start
                stream.avail_out = UInt32(room)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let produced = room - Int(stream.avail_out)
            output.removeSubrange((start + produced)...)
            let consumed = fed - Int(stream.avail_in)
            guard output.count <= limit else { throw tooLarge(file, at: memberOffset + consumed, limit: limit) }
            switch result {
            case Z_STREAM_END:
                return consumed
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_out == 0 || fed < input.count:
                continue
            case Z_BUF_ERROR:
                throw truncated(file, at: memberOffset + consumed)
            default:
                throw corrupt(file, at: memberOffset + consumed, stream, result: result)
            }
        }
    }

    // What both readers of gzip share: `decompress` above, whole, and `ByteStream`, piece
    // by piece, so that the two say the same things.

    /// A member's stated size (its last four bytes, modulo 2^32), at most what deflate can
    /// expand `compressedSize` bytes to (about 1032:1; a damaged file may claim anything):
    /// a guess for reserving memory.
    static func statedSize(trailer: some Collection<UInt8>, compressedSize: Int) -> Int {
        let size = trailer.reversed().reduce(0) { $0 << 8 | Int($1) }
        return min(size, compressedSize * 1032)
    }

    /// Opens the next member in `stream`: a gzip header and trailer, the largest window.
    static func startMember(_ stream: inout z_stream, file: String) throws {
        let status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DNNError(.data, at: file, "cannot start gzip decompression (zlib error \(status))")
        }
    }

    static func trailingData(_ file: String, at byte: Int) -> DNNError {
        DNNError(.data, at: "\(file): byte \(byte)", "unexpected data after the end of the gzip stream")
    }

    static func tooLarge(_ file: String, at byte: Int, limit: Int = maximumDecompressedBytes) -> DNNError {
        DNNError(.data, at: "\(file): byte \(byte)", "the gzip stream inflates to more than \(grouped(limit)) bytes, "
                 + "the limit for a data file (a damaged file or a gzip bomb)")
    }

    static func truncated(_ file: String, at byte: Int) -> DNNError {
        DNNError(.data, at: "\(file): byte \(byte)",
                 "truncated gzip stream: the compressed data ends before the end of the stream")
    }

    static func corrupt(_ file: String, at byte: Int, _ stream: z_stream, result: Int32) -> DNNError {
        let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(result)"
        return DNNError(.data, at: "\(file): byte \(byte)", "corrupt gzip stream: \(reason)")
    }
}
