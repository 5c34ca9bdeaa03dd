/// The central directory of a ZIP archive: found through the end-of-central-directory
/// record (and, for archives past 4 GiB or 65,535 members, the ZIP64 record its locator
/// points at), then read entry by entry with each entry's ZIP64 extra field.
enum ZipDirectory {
    /// Where the central directory is and how many entries it holds.
    struct Location {
        var entries: Int
        var offset: Int
        var size: Int
    }

    /// Finds the end record in the last 65,557 bytes (its comment may be up to 65,535 bytes).
    static func locate(_ reader: LittleEndianReader) throws -> Location {
        let count = reader.bytes.count
        guard count >= 22 else {
            throw DNNError(.data, at: "\(reader.location): byte 0", "is not a ZIP archive (too short for its end record)",
                           hint: "an .npz is written by np.savez or np.savez_compressed")
        }
        var end: Int?
        for offset in stride(from: count - 22, through: max(0, count - 22 - 65_535), by: -1)
        where try reader.u32(offset, what: "the end record") == 0x0605_4B50 {
            if try offset + 22 + reader.u16(offset + 20, what: "the end record") == count {
                end = offset
                break
            }
        }
        guard let end else {
            throw DNNError(.data, at: "\(reader.location): byte \(count)", "is not a ZIP archive (no end of central directory record)",
                           hint: "an .npz is written by np.savez or np.savez_compressed; the file may be truncated")
        }
        let what = "the end record"
        var location = Location(entries: try reader.u16(end + 10, what: what), offset: Int(try reader.u32(end + 16, what: what)),
                                size: Int(try reader.u32(end + 12, what: what)))
        guard try reader.u16(end + 4, what: what) == 0, try reader.u16(end + 6, what: what) == 0 else {
            throw DNNError(.data, at: "\(reader.location): byte \(end)", "is a multi-disk ZIP archive, which dnn does not read")
        }
        if end >= 20, try reader.u32(end - 20, what: "the ZIP64 locator") == 0x0706_4B50 {
            location = try zip64(reader, locator: end - 20)
        }
        guard location.offset <= count, location.size <= count - location.offset else {
            throw DNNError(.data, at: "\(reader.location): byte \(end)",
                           "the central directory (\(grouped(location.size)) bytes at byte \(location.offset)) lies past the end of the file (truncated?)")
        }
        guard location.entries <= location.size / 46 else {
            throw DNNError(.data, at: "\(reader.location): byte \(end)",
                           "the end record claims \(grouped(location.entries)) members in a directory of \(grouped(location.size)) bytes")
        }
        return location
    }

    /// The ZIP64 end record the locator at `locator` points at.
    private static func zip64(_ reader: LittleEndianReader, locator: Int) throws -> Location {
        let what = "the ZIP64 end record"
        let recordOffset = try reader.u64(locator + 8, what: "the ZIP64 locator")
        guard recordOffset <= UInt64(locator), try reader.u32(Int(recordOffset), what: what) == 0x0606_4B50 else {
            throw DNNError(.data, at: "\(reader.location): byte \(locator)", "the ZIP64 locator points at \(recordOffset), where no ZIP64 end record is")
        }
        let record = Int(recordOffset)
        let entries = try reader.u64(record + 32, what: what), size = try reader.u64(record + 40, what: what)
        let offset = try reader.u64(record + 48, what: what)
        let limit = UInt64(reader.bytes.count)
        guard entries <= limit, size <= limit, offset <= limit else {
            throw DNNError(.data, at: "\(reader.location): byte \(record)", "the ZIP64 end record states sizes larger than the file")
        }
        return Location(entries: Int(entries), offset: Int(offset), size: Int(size))
    }

    /// Every entry of the directory at `location`.
    static func members(_ reader: LittleEndianReader, directory: Location) throws -> [ZipArchive.Member] {
        var members: [ZipArchive.Member] = []
        members.reserveCapacity(directory.entries)
        var offset = directory.offset
        let end = directory.offset + directory.size
        for _ in 0..<directory.entries {
            let (member, next) = try entry(reader, at: offset, end: end)
            members.append(member)
            offset = next
        }
        return members
    }

    /// The entry at `offset` and where the next one starts.
    private static func entry(_ reader: LittleEndianReader, at offset: Int, end: Int) throws -> (ZipArchive.Member, Int) {
        let what = "a central directory entry"
        guard offset + 46 <= end, try reader.u32(offset, what: what) == 0x0201_4B50 else {
            throw DNNError(.data, at: "\(reader.location): byte \(offset)", "damaged central directory: no entry where one should start")
        }
        let nameLength = try reader.u16(offset + 28, what: what), extraLength = try reader.u16(offset + 30, what: what)
        let commentLength = try reader.u16(offset + 32, what: what)
        let next = offset + 46 + nameLength + extraLength + commentLength
        guard next <= end else {
            throw DNNError(.data, at: "\(reader.location): byte \(offset)", "damaged central directory: an entry runs past its end")
        }
        let nameBytes = reader.bytes[(offset + 46)..<(offset + 46 + nameLength)]
        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw DNNError(.data, at: "\(reader.location): byte \(offset + 46)", "a member's name is not valid UTF-8")
        }
        var member = ZipArchive.Member(
            name: name, method: try reader.u16(offset + 10, what: what), flags: try reader.u16(offset + 8, what: what),
            crc: try reader.u32(offset + 16, what: what), compressedSize: Int(try reader.u32(offset + 20, what: what)),
            size: Int(try reader.u32(offset + 24, what: what)), localHeaderOffset: Int(try reader.u32(offset + 42, what: what)))
        try applyZip64(reader, extra: (offset + 46 + nameLength)..<(offset + 46 + nameLength + extraLength), to: &member)
        return (member, next)
    }

    /// Replaces the 32-bit fields that read 0xFFFFFFFF by the 64-bit values of the ZIP64
    /// extra field (id 0x0001), which holds them in the order size, compressed size, offset.
    private static func applyZip64(_ reader: LittleEndianReader, extra: Range<Int>, to member: inout ZipArchive.Member) throws {
        let marker = 0xFFFF_FFFF
        guard member.size == marker || member.compressedSize == marker || member.localHeaderOffset == marker else { return }
        var field = extra.lowerBound
        let location = "\(reader.location): member '\(member.name)'"
        while field + 4 <= extra.upperBound {
            let id = try reader.u16(field, what: "an extra field"), length = try reader.u16(field + 2, what: "an extra field")
            guard field + 4 + length <= extra.upperBound else { break }
            if id == 1 {
                var position = field + 4
                func next() throws -> Int {
                    guard position + 8 <= field + 4 + length else {
                        throw DNNError(.data, at: location, "its ZIP64 extra field is too short for the sizes it must hold")
                    }
                    let value = try reader.u64(position, what: "a ZIP64 extra field")
                    position += 8
                    guard value <= UInt64(Int.max / 2) else { throw DNNError(.data, at: location, "states an impossible size \(value)") }
                    return Int(value)
                }
                if member.size == marker { member.size = try next() }
                if member.compressedSize == marker { member.compressedSize = try next() }
                if member.localHeaderOffset == marker { member.localHeaderOffset = try next() }
                return
            }
            field += 4 + length
        }
        throw DNNError(.data, at: location, "its sizes need a ZIP64 extra field, and it has none")
    }
}
