#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader sees either the old contents or the new, never a
/// half-written file: checkpoints and `config.json` survive a crash or a full disk.
enum AtomicFile {
    /// Writes `bytes` to `path.tmp-<pid>` in the same folder, flushes it to disk (fsync),
    /// then renames it over `path`.
    ///
    /// On any failure the temporary file is removed and an existing file at `path` is left
    /// untouched.
    ///
    /// - Throws: `DNNError(.io, at: path, ...)` with the system's reason.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try write(pieces: [bytes], to: path)
    }

    /// `write(_:to:)` of the pieces one after the other, as one file.
    static func write(pieces: [[UInt8]], to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DNNError(.io, at: path, "cannot create the temporary file \(temporary): \(systemReason())")
        }
        var isOpen = true
        var renamed = false
        defer {
            if isOpen { close(fd) }
            if !renamed { unlink(temporary) }
        }
        for bytes in pieces {
            var written = 0
            try bytes.withUnsafeBytes { buffer in
                while written < buffer.count {
                    let result = posixWrite(fd, buffer.baseAddress! + written, buffer.count - written)
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw DNNError(.io, at: path, "cannot write \(temporary): \(systemReason())")
                    }
                    written += result
                }
            }
        }
        guard fsync(fd) == 0 else {
            throw DNNError(.io, at: path, "cannot flush \(temporary) to disk: \(systemReason())")
        }
        isOpen = false
        guard close(fd) == 0 else {
            throw DNNError(.io, at: path, "cannot close \(temporary): \(systemReason())")
        }
        guard rename(temporary, path) == 0 else {
            throw DNNError(.io, at: path, "cannot replace the file with \(temporary): \(systemReason())")
        }
        renamed = true
        // Make the rename itself durable; a folder that cannot be opened or synced does not
        // undo the write, so failures here are not errors.
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let folderFD = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }
}

/// `write(2)`, named apart from `AtomicFile.write` which would shadow it inside the enum.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
