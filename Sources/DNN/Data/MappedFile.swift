import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory, followed by a zero byte (what `CSVParser` needs
/// to look one byte ahead). Its pages are the kernel's page cache, dropped and read again
/// as needed: a reader that keeps only some rows (`data.shard`) can scan a file larger
/// than the machine's memory.
final class MappedFile {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    private let mapping: UnsafeMutableRawPointer
    private let length: Int

    /// Maps the regular file at `path`; nil for anything that cannot be mapped (a pipe),
    /// which the caller then reads with `FileBytes.read`.
    /// - Throws: `DNNError(.io)` as `FileBytes.read`.
    init?(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DNNError(.io, at: path, "cannot open: \(systemReason())") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw DNNError(.io, at: path, "cannot read: \(systemReason())") }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw DNNError(.io, at: path, "is a folder, not a file") }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(status.st_size), page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // Zeroed anonymous pages one byte longer than the file, the file mapped over their
        // start: the byte after its end is zero whether or not the size fills its last page.
        let length = (size + 1 + page - 1) / page * page
        guard let reserved = mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              reserved != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        if size > 0 {
            guard let mapped = mmap(reserved, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0), mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
                munmap(reserved, length)
                return nil
            }
            _ = madvise(mapped, size, MADV_SEQUENTIAL)
        }
        mapping = reserved
        self.length = length
        bytes = UnsafePointer(reserved.assumingMemoryBound(to: UInt8.self))
        count = size
    }

    deinit { munmap(mapping, length) }

    /// A gzip file's decompressed contents, inflated piece by piece into a temporary file
    /// (removed at once; the mapping keeps it until released) and mapped: disk, not memory,
    /// holds them.
    /// - Throws: as `ByteStream` for the gzip data; `DNNError(.io)` when the temporary file
    ///   cannot be written.
    static func inflating(_ path: String) throws -> MappedFile {
        var template = Array((NSTemporaryDirectory() + "dnn-inflated-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard fd >= 0 else { throw DNNError(.io, at: temporary, "cannot create a temporary file: \(systemReason())") }
        defer { close(fd) }
        defer { unlink(temporary) }
        let stream = try ByteStream(path: path)
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = try piece.withUnsafeMutableBytes { try stream.read(into: $0) }
            if got == 0 { break }
            var written = 0
            while written < got {
                let result = piece.withUnsafeBytes { write(fd, $0.baseAddress! + written, got - written) }
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else {
                    throw DNNError(.io, at: temporary, "cannot write the decompressed \(path): \(systemReason())")
                }
                written += result
            }
        }
        guard let mapped = try MappedFile(path: temporary) else {
            throw DNNError(.io, at: temporary, "cannot map the decompressed \(path)")
        }
        return mapped
    }
}
