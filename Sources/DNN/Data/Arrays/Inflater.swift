import CZlib
import Foundation

/// Raw deflate (ZIP method 8) and CRC-32 through the linked zlib.
enum Inflater {
    /// The most bytes deflate can produce per compressed byte (zlib's technical note: about
    /// 1032:1), plus room for the smallest streams.
    static func canExpand(_ compressed: Int, to size: Int) -> Bool {
        let (bound, overflow) = compressed.multipliedReportingOverflow(by: 1032)
        return overflow || size <= bound + 1024
    }

    /// `compressed` inflated into a buffer of exactly `size` bytes.
    /// - Parameters:
    ///   - location: the archive and member, and `archiveOffset` where the data starts, for errors.
    /// - Throws: `DNNError(.data, at: location)` when `size` cannot fit in memory or is more
    ///   than the data could inflate to (refused before allocating), when the data inflates
    ///   past `size` (a decompression bomb) or to less, or is corrupt.
    static func inflate(_ compressed: UnsafeRawBufferPointer, size: Int, location: String, archiveOffset: Int) throws -> ByteRegion {
        guard canExpand(compressed.count, to: size) else {
            throw DNNError(.data, at: location, "states \(grouped(size)) bytes from \(grouped(compressed.count)) compressed bytes, "
                           + "more than deflate can produce (a damaged archive)")
        }
        guard UInt64(size) <= ProcessInfo.processInfo.physicalMemory else {
            throw DNNError(.data, at: location, "states \(grouped(size)) bytes, more than this machine's memory "
                           + "(\(grouped(Int(clamping: ProcessInfo.processInfo.physicalMemory))) bytes)")
        }
        return try ByteRegion(count: size) { output in
            try inflateRaw(compressed, into: output, location: location, archiveOffset: archiveOffset)
        }
    }

    private static func inflateRaw(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                                   location: String, archiveOffset: Int) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DNNError(.data, at: location, "cannot start decompression")
        }
        defer { inflateEnd(&stream) }
        var fed = 0, produced = 0
        var spare: UInt8 = 0
        while true {
            if stream.avail_in == 0 && fed < input.count {
                let piece = min(input.count - fed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self) + fed)
                stream.avail_in = UInt32(piece)
                fed += piece
            }
            let room = min(output.count - produced, 1 << 30)
            let result: Int32 = withUnsafeMutablePointer(to: &spare) { sparePointer in
                // Once the stated size is filled, one spare byte catches any output past it.
                stream.next_out = room > 0 ? output.baseAddress!.assumingMemoryBound(to: UInt8.self) + produced : sparePointer
                stream.avail_out = room > 0 ? UInt32(room) : 1
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let consumed = fed - Int(stream.avail_in)
            if room == 0 && stream.avail_out == 0 {
                throw DNNError(.data, at: "\(location): byte \(archiveOffset + consumed)",
                               "inflates past its stated size of \(grouped(output.count)) bytes (a decompression bomb or a damaged archive)")
            }
            produced += room - Int(stream.avail_out)
            switch result {
            case Z_STREAM_END:
                guard produced == output.count else {
                    throw DNNError(.data, at: location, "inflates to \(grouped(produced)) bytes, not the \(grouped(output.count)) it states")
                }
                return
            case Z_OK:
                continue
            case Z_BUF_ERROR where fed < input.count || room > 0 && stream.avail_out == 0:
                continue
            case Z_BUF_ERROR:
                throw DNNError(.data, at: "\(location): byte \(archiveOffset + consumed)", "truncated deflate data: it ends before the stream does")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                throw DNNError(.data, at: "\(location): byte \(archiveOffset + consumed)", "corrupt deflate data: \(reason)")
            }
        }
    }

    /// The CRC-32 of `bytes` (ZIP's and gzip's). Large inputs (an archive of images is
    /// tens of MB, and its CRC is a serial part of `dnn convert`) are split in one part per
    /// core, whose CRCs zlib's `crc32_combine` joins into the very CRC of the whole.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let parts = min(ProcessInfo.processInfo.activeProcessorCount, bytes.count / parallelCRCPart)
        guard parts > 1 else { return serialCRC32(bytes) }
        let partSize = bytes.count / parts
        var crcs = [UInt32](repeating: 0, count: parts)
        crcs.withUnsafeMutableBufferPointer { crcs in
            let shared = CRCParts(input: bytes, crcs: crcs.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let end = part == parts - 1 ? shared.input.count : (part + 1) * partSize
                shared.crcs[part] = serialCRC32(UnsafeRawBufferPointer(rebasing: shared.input[(part * partSize)..<end]))
            }
        }
        var crc = uLong(crcs[0])
        for part in 1..<parts {
            let length = part == parts - 1 ? bytes.count - part * partSize : partSize
            crc = crc32_combine(crc, uLong(crcs[part]), off_t(length))
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// The input and the parts' CRCs, shared by the threads of `crc32` (each writes its own slot).
    private struct CRCParts: @unchecked Sendable {
        let input: UnsafeRawBufferPointer
        let crcs: UnsafeMutablePointer<UInt32>
    }

    /// The CRC-32 of `header` followed by `payload`, without joining them.
    static func crc32(_ payload: [UInt8], after header: [UInt8]) -> UInt32 {
        let first = header.withUnsafeBytes { crc32($0) }, second = payload.withUnsafeBytes { crc32($0) }
        return UInt32(truncatingIfNeeded: crc32_combine(uLong(first), uLong(second), off_t(payload.count)))
    }

    /// Bytes below which one core computes a CRC alone (splitting costs more than it saves).
    static let parallelCRCPart = 4 << 20

    /// The CRC-32 of `bytes` on this thread, through zlib in pieces it can count.
    private static func serialCRC32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        var offset = 0
        while offset < bytes.count {
            let piece = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, UInt32(piece))
            offset += piece
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
