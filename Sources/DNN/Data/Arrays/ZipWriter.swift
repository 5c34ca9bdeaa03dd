/// Writes a ZIP archive of stored (uncompressed) members with their CRC-32, as `np.savez`
/// does; a member, an offset or a count past ZIP's 32-bit (or 16-bit) fields is written
/// with ZIP64 records, as Python's `zipfile` writes them.
///
/// The archive is held as pieces: large members given whole (`addStored(name:header:payload:)`,
/// the pixels of an image folder) stay in their own arrays, shared, not copied into one
/// buffer, and `AtomicFile` writes the pieces one after the other.
struct ZipWriter {
    /// The archive's bytes after the pieces already closed.
    private(set) var bytes: [UInt8] = []
    /// The pieces before `bytes`, in order.
    private var pieces: [[UInt8]] = []
    /// The byte count of `pieces`.
    private var piecesCount = 0
    private var entries: [(name: [UInt8], crc: UInt32, size: Int, offset: Int)] = []
    /// Every member and the end records in ZIP64 form, small or not (for tests).
    var forceZip64 = false

    private static let limit32 = 0xFFFF_FFFF

    /// Adds a member `name` of `size` bytes, which `write` appends to the archive's bytes.
    /// The CRC-32 is computed over what was written and patched into the local header.
    mutating func addStored(name: String, size: Int, _ write: (inout [UInt8]) -> Void) {
        let nameBytes = Array(name.utf8), offset = written, headerStart = bytes.count
        appendLocalHeader(name: nameBytes, crc: 0, size: size)
        let start = bytes.count
        bytes.reserveCapacity(start + size)
        write(&bytes)
        precondition(bytes.count - start == size, "ZipWriter: a member's size differs from the one announced")
        let crc = bytes.withUnsafeBytes { Inflater.crc32(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        record(nameBytes, crc: crc, size: size, offset: offset, headerStart: headerStart)
    }

    /// Adds a member `name` made of `header` then `payload`, keeping `payload` as a piece of
    /// its own (shared with the caller, not copied).
    mutating func addStored(name: String, header: [UInt8], payload: [UInt8]) {
        let nameBytes = Array(name.utf8), offset = written, headerStart = bytes.count
        let size = header.count + payload.count
        appendLocalHeader(name: nameBytes, crc: 0, size: size)
        bytes += header
        record(nameBytes, crc: Inflater.crc32(payload, after: header), size: size, offset: offset, headerStart: headerStart)
        closePiece()
        pieces.append(payload)
        piecesCount += payload.count
    }

    /// The archive's length so far.
    private var written: Int { piecesCount + bytes.count }

    /// Patches a member's CRC-32 into its local header (at `headerStart` of `bytes`) and
    /// lists it for the central directory.
    private mutating func record(_ name: [UInt8], crc: UInt32, size: Int, offset: Int, headerStart: Int) {
        for byte in 0..<4 { bytes[headerStart + 14 + byte] = UInt8(truncatingIfNeeded: crc >> (8 * byte)) }
        entries.append((name, crc, size, offset))
    }

    /// Moves `bytes` into `pieces`.
    private mutating func closePiece() {
        guard !bytes.isEmpty else { return }
        pieces.append(bytes)
        piecesCount += bytes.count
        bytes = []
    }

    /// 30 bytes, the name, and a 20-byte ZIP64 field (id 1: size, compressed size) when needed.
    private mutating func appendLocalHeader(name: [UInt8], crc: UInt32, size: Int) {
        let zip64 = forceZip64 || size >= Self.limit32
        append32(0x0403_4B50)
        append16(zip64 ? 45 : 20)
        append16(0)
        append16(0)  // stored
        append16(0)  // 00:00
        append16(0x21)  // 1980-01-01
        append32(crc)
        append32(UInt32(zip64 ? Self.limit32 : size))
        append32(UInt32(zip64 ? Self.limit32 : size))
        append16(name.count)
        append16(zip64 ? 20 : 0)
        bytes += name
        if zip64 {
            append16(1)
            append16(16)
            append64(size)
            append64(size)
        }
    }

    /// The archive as one array: members, central directory and end records.
    mutating func finish() -> [UInt8] {
        finishPieces().flatMap { $0 }
    }

    /// The archive as pieces to be written one after the other.
    mutating func finishPieces() -> [[UInt8]] {
        let directoryOffset = written
        for entry in entries { appendCentralEntry(entry) }
        let directorySize = written - directoryOffset
        let zip64 = forceZip64 || entries.count >= 0xFFFF || directoryOffset >= Self.limit32 || directorySize >= Self.limit32
        if zip64 {
            let recordOffset = written
            append32(0x0606_4B50)
            append64(44)
            append16(45)
            append16(45)
            append32(0)
            append32(0)
            append64(entries.count)
            append64(entries.count)
            append64(directorySize)
            append64(directoryOffset)
            append32(0x0706_4B50)
            append32(0)
            append64(recordOffset)
            append32(1)
        }
        append32(0x0605_4B50)
        append16(0)
        append16(0)
        append16(zip64 ? 0xFFFF : entries.count)
        append16(zip64 ? 0xFFFF : entries.count)
        append32(UInt32(zip64 ? Self.limit32 : directorySize))
        append32(UInt32(zip64 ? Self.limit32 : directoryOffset))
        append16(0)
        closePiece()
        return pieces
    }

    private mutating func appendCentralEntry(_ entry: (name: [UInt8], crc: UInt32, size: Int, offset: Int)) {
        let bigSize = forceZip64 || entry.size >= Self.limit32, bigOffset = forceZip64 || entry.offset >= Self.limit32
        append32(0x0201_4B50)
        append16(3 << 8 | 45)  // made by Unix, ZIP 4.5
        append16(bigSize || bigOffset ? 45 : 20)
        append16(0)
        append16(0)
        append16(0)
        append16(0x21)
        append32(entry.crc)
        append32(UInt32(bigSize ? Self.limit32 : entry.size))
        append32(UInt32(bigSize ? Self.limit32 : entry.size))
        append16(entry.name.count)
        append16((bigSize ? 16 : 0) + (bigOffset ? 8 : 0) + (bigSize || bigOffset ? 4 : 0))
        append16(0)
        append16(0)
        append16(0)
        append32(0o100644 << 16)  // a regular file, rw-r--r--
        append32(UInt32(bigOffset ? Self.limit32 : entry.offset))
        bytes += entry.name
        if bigSize || bigOffset {
            append16(1)
            append16((bigSize ? 16 : 0) + (bigOffset ? 8 : 0))
            if bigSize {
                append64(entry.size)
                append64(entry.size)
            }
            if bigOffset { append64(entry.offset) }
        }
    }

    private mutating func append16(_ value: Int) { NPYWriter.appendLittleEndian(UInt16(truncatingIfNeeded: value), to: &bytes) }
    private mutating func append32(_ value: UInt32) { NPYWriter.appendLittleEndian(value, to: &bytes) }
    private mutating func append64(_ value: Int) { NPYWriter.appendLittleEndian(UInt64(value), to: &bytes) }
}
