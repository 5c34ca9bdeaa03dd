#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// A file's bytes front to back in pieces, gzip decompressed on the fly (recognised by
/// its magic bytes), so a reader that keeps only some rows (`data.shard`) never holds the
/// whole file. Errors match `Gzip.decompress`: offsets count in the compressed bytes.
final class ByteStream {
    private let fd: Int32
    private let file: String
    /// Compressed input not yet inflated: input[inputStart..<inputEnd].
    private var input: [UInt8]
    private var inputStart = 0, inputEnd = 0
    /// Compressed bytes consumed before `input[0]`, for error offsets.
    private var inputOffset = 0
    private var endOfFile = false
    private var stream = z_stream()
    private var compressed = false
    /// Whether the file is gzip.
    var isCompressed: Bool { compressed }
    /// Whether a gzip member is open in `stream`.
    private var inMember = false
    /// Decompressed bytes produced so far, against `Gzip.maximumDecompressedBytes`.
    private(set) var produced = 0

    /// What the decompressed data's size will probably be, for reserving memory: a plain
    /// file's size, or a gzip file's last member's stated size (modulo 2^32, and at most
    /// 1032 times the compressed size, as deflate can expand no more); nil when unknown.
    private(set) var sizeHint: Int?

    /// Opens `path`; reads in pieces of `chunk` bytes.
    /// - Throws: `DNNError(.io)` as `FileBytes.read`.
    init(path: String, chunk: Int = 1 << 20) throws {
        file = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DNNError(.io, at: path, "cannot open: \(systemReason())") }
        var status = stat()
        if fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw DNNError(.io, at: path, "is a folder, not a file")
        }
        input = [UInt8](repeating: 0, count: max(chunk, 16))
        try refill()
        compressed = inputEnd - inputStart >= 2 && input[inputStart] == 0x1F && input[inputStart + 1] == 0x8B
        let size = (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : 0
        if !compressed {
            sizeHint = size > 0 ? size : nil
        } else if size >= 18 {
            var trailer = [UInt8](repeating: 0, count: 4)
            if pread(fd, &trailer, 4, off_t(size - 4)) == 4 {
                sizeHint = Gzip.statedSize(trailer: trailer, compressedSize: size)
            }
        }
    }

    deinit {
        if inMember { inflateEnd(&stream) }
        close(fd)
    }

    /// Fills `buffer` as far as the file allows; returns how many bytes it wrote, fewer
    /// than `buffer.count` only at the end of the data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let got = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if got == 0 { break }
            filled += got
        }
        produced += filled
        if produced > Gzip.maximumDecompressedBytes { throw Gzip.tooLarge(file, at: inputOffset + inputStart) }
        return filled
    }

    /// Some bytes into `buffer` (at least one unless the data has ended).
    private func readSome(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if inputStart == inputEnd { try refill() }
        guard compressed else {
            let count = min(buffer.count, inputEnd - inputStart)
            input.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + inputStart, byteCount: count)
            }
            inputStart += count
            return count
        }
        while true {
            if !inMember {
                if inputEnd - inputStart < 2 { try refill() }
                if inputStart == inputEnd { return 0 }
                guard inputEnd - inputStart >= 2, input[inputStart] == 0x1F, input[inputStart + 1] == 0x8B else {
                    throw Gzip.trailingData(file, at: inputOffset + inputStart)
                }
                try Gzip.startMember(&stream, file: file)
                inMember = true
            }
            if inputStart == inputEnd { try refill() }
            let available = inputEnd - inputStart
            let result: Int32 = input.withUnsafeMutableBufferPointer { source in
                stream.next_in = source.baseAddress! + inputStart
                stream.avail_in = UInt32(available)
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
                return inflate(&stream, Z_NO_FLUSH)
            }
            inputStart += available - Int(stream.avail_in)
            let got = min(buffer.count, Int(UInt32.max)) - Int(stream.avail_out)
            switch result {
            case Z_STREAM_END:
                inflateEnd(&stream)
                inMember = false
                if got > 0 { return got }
            case Z_OK where got > 0:
                return got
            case Z_OK:
                continue
            case Z_BUF_ERROR where !endOfFile || inputStart < inputEnd:
                if got > 0 { return got }
            case Z_BUF_ERROR:
                throw Gzip.truncated(file, at: inputOffset + inputStart)
            default:
                throw Gzip.corrupt(file, at: inputOffset + inputStart, stream, result: result)
            }
        }
    }

    /// Moves unread input to the front and reads more of the file after it.
    private func refill() throws {
        guard !endOfFile else { return }
        if inputStart > 0 {
            let remaining = inputEnd - inputStart
            input.withUnsafeMutableBytes { bytes in
                bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + inputStart, byteCount: remaining)
            }
            inputOffset += inputStart
            inputStart = 0
            inputEnd = remaining
        }
        while inputEnd < input.count {
            let got = input.withUnsafeMutableBytes { posixReadBytes(fd, $0.baseAddress! + inputEnd, $0.count - inputEnd) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw DNNError(.io, at: file, "cannot read: \(systemReason())") }
            if got == 0 {
                endOfFile = true
                return
            }
            inputEnd += got
        }
    }
}

/// `read(2)`, named apart from `ByteStream.read`.
private func posixReadBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
