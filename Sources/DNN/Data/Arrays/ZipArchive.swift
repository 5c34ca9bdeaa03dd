import Foundation

/// A ZIP archive, as `np.savez` and `np.savez_compressed` write it: the central directory
/// (ZIP64 included), each member's local header, members stored (method 0) or deflated
/// (method 8), every member's CRC-32 checked.
///
/// The archive is mapped, not read: a stored member is used in place, a deflated one is
/// inflated into a buffer of exactly its stated size, refused before allocating when that
/// size cannot fit in memory or exceeds what its compressed bytes can inflate to, and
/// refused when it inflates past it (a decompression bomb).
struct ZipArchive {
    /// One entry of the central directory.
    struct Member: Equatable {
        var name: String
        var method: Int
        var flags: Int
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    /// The archive's path, named in every error.
    let path: String
    let members: [Member]
    private let region: ByteRegion

    /// The archive at `path`, its central directory read and checked.
    /// - Throws: `DNNError(.io)` when it cannot be read; `DNNError(.data)` naming the byte
    ///   offset when it is not a ZIP archive or its directory is damaged.
    static func open(path: String) throws -> ZipArchive {
        try ZipArchive(region: ByteRegion.file(path), path: path)
    }

    init(region: ByteRegion, path: String) throws {
        self.region = region
        self.path = path
        let reader = LittleEndianReader(bytes: region.bytes, location: path)
        let directory = try ZipDirectory.locate(reader)
        members = try ZipDirectory.members(reader, directory: directory)
    }

    /// The member called `name`, if any.
    func member(named name: String) -> Member? { members.first { $0.name == name } }

    /// Where `member` is named in errors: `archive: member 'x.npy'`.
    func location(of member: Member) -> String { "\(path): member '\(member.name)'" }

    /// The uncompressed bytes of `member`, CRC checked.
    /// - Throws: `DNNError(.data)` naming the archive and the member for a damaged local
    ///   header, an unsupported method, encryption, a size mismatch, a bomb or a bad CRC.
    func contents(of member: Member) throws -> ByteRegion {
        let location = location(of: member)
        guard member.flags & 1 == 0 else { throw DNNError(.data, at: location, "is encrypted, which dnn does not read") }
        let reader = LittleEndianReader(bytes: region.bytes, location: path)
        let start = member.localHeaderOffset
        guard try reader.u32(start, what: "the local header of '\(member.name)'") == 0x0403_4B50 else {
            throw DNNError(.data, at: "\(path): byte \(start)", "the local header of member '\(member.name)' is missing (bad signature)")
        }
        let nameLength = try reader.u16(start + 26, what: "the local header of '\(member.name)'")
        let extraLength = try reader.u16(start + 28, what: "the local header of '\(member.name)'")
        let dataStart = start + 30 + nameLength + extraLength
        guard dataStart <= region.bytes.count, region.bytes.count - dataStart >= member.compressedSize else {
            throw DNNError(.data, at: "\(path): byte \(region.bytes.count)",
                           "truncated archive: member '\(member.name)' needs \(grouped(member.compressedSize)) bytes from byte \(dataStart)")
        }
        let compressed = ByteRegion(region, range: dataStart..<(dataStart + member.compressedSize))
        let contents: ByteRegion
        switch member.method {
        case 0:
            guard member.compressedSize == member.size else {
                throw DNNError(.data, at: location, "is stored with \(member.compressedSize) bytes but states a size of \(member.size)")
            }
            contents = compressed
        case 8:
            contents = try Inflater.inflate(compressed.bytes, size: member.size, location: location, archiveOffset: dataStart)
        default:
            throw DNNError(.data, at: location, "uses compression method \(member.method); dnn reads stored (0) and deflated (8) members",
                           hint: "write it with np.savez or np.savez_compressed")
        }
        let crc = Inflater.crc32(contents.bytes)
        guard crc == member.crc else {
            throw DNNError(.data, at: location, "CRC-32 mismatch: the data gives \(hex(crc)), the archive states \(hex(member.crc)) (a damaged file)")
        }
        return contents
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: false) }
}

/// Little-endian integers at byte offsets of a buffer, each read bounds-checked: past the
/// end is a truncation error naming what was being read.
struct LittleEndianReader {
    let bytes: UnsafeRawBufferPointer
    let location: String

    func u16(_ offset: Int, what: String) throws -> Int { Int(try load(offset, UInt16.self, what: what)) }
    func u32(_ offset: Int, what: String) throws -> UInt32 { try load(offset, UInt32.self, what: what) }
    func u64(_ offset: Int, what: String) throws -> UInt64 { try load(offset, UInt64.self, what: what) }

    private func load<T: FixedWidthInteger>(_ offset: Int, _ type: T.Type, what: String) throws -> T {
        guard offset >= 0, offset <= bytes.count, bytes.count - offset >= MemoryLayout<T>.size else {
            throw DNNError(.data, at: "\(location): byte \(max(0, min(offset, bytes.count)))",
                           "truncated archive: it ends inside \(what)")
        }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
