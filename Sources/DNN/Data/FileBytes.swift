#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole files into memory with POSIX calls, so that every reader (CSV, IDX,
/// safetensors) reports a missing or unreadable file the same way: a `.io` error that
/// names the path and the system's reason.
enum FileBytes {
    /// The contents of the file at `path`.
    ///
    /// - Throws: `DNNError(.io, at: path, ...)` when the file does not exist, is a folder,
    ///   or cannot be read.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DNNError(.io, at: path, "cannot open: \(systemReason())") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw DNNError(.io, at: path, "cannot read: \(systemReason())") }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw DNNError(.io, at: path, "is a folder, not a file")
        }
        // The size is a hint: read one byte more than it says, without zero-filling, and
        // go on reading in chunks if the file turned out longer (or is a pipe of size 0).
        let expected = max(Int(status.st_size), 0) + 1
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            while initialized < expected {
                let got = posixRead(fd, buffer.baseAddress! + initialized, expected - initialized)
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failure = errno }
                if got <= 0 { break }
                initialized += got
            }
        }
        var filled = bytes.count
        // Only a buffer filled to the last byte may have more to come.
        var mayHaveMore = filled == expected
        while failure == 0 && mayHaveMore {
            bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 1 << 16)))
            while filled < bytes.count {
                let got = bytes.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress! + filled, $0.count - filled) }
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failure = errno }
                if got <= 0 { break }
                filled += got
            }
            mayHaveMore = filled == bytes.count
        }
        if failure != 0 {
            errno = failure
            throw DNNError(.io, at: path, "cannot read: \(systemReason())")
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}

/// `read(2)`, named apart from `FileBytes.read` which would shadow it inside the enum.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// The text of the current `errno`, e.g. "No such file or directory".
func systemReason() -> String {
    String(cString: strerror(errno))
}
