import CZlib

/// The chunks of a PNG file that decoding needs, found and checked in one walk over the
/// file: the header, the palette and transparency, and where the compressed image data lie.
struct PNGChunks {
    let header: PNGHeader
    /// PLTE: RGB triples; empty when absent.
    var palette: [UInt8] = []
    /// tRNS: palette alphas, or the 2-byte grey or 6-byte RGB colour key; nil when absent.
    var transparency: [UInt8]?
    /// The payloads of the IDAT chunks, in order (byte ranges of the file).
    var data: [Range<Int>] = []

    /// The eight bytes every PNG file starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Walks the chunks of `bytes` up to IEND, checking every CRC.
    ///
    /// - Throws: `DNNError.data(file, ...)` naming the chunk and its byte offset: a missing
    ///   signature, a truncated chunk, a bad CRC, chunks out of order, a missing PLTE for a
    ///   palette image, an unknown critical chunk, or no IDAT.
    init(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws {
        guard bytes.count >= 8, Array(bytes[0..<8]) == Self.signature else {
            throw DNNError.data(file, "not a PNG file (the first 8 bytes are not the PNG signature)")
        }
        var offset = 8
        var chunk = try Self.next(bytes, at: &offset, file: file)
        guard chunk.type == "IHDR" else {
            throw DNNError.data("\(file): byte 8", "the first chunk is \(chunk.type), not IHDR")
        }
        header = try PNGHeader(UnsafeBufferPointer(rebasing: bytes[chunk.data]), file: file)
        var previous = "IHDR"
        while true {
            chunk = try Self.next(bytes, at: &offset, file: file)
            if chunk.type == "IEND" { break }
            try accept(chunk, after: previous, bytes: bytes, file: file)
            previous = chunk.type
        }
        guard !data.isEmpty else { throw DNNError.data(file, "has no IDAT chunk (no image data)") }
        guard header.colorType != 3 || !palette.isEmpty else {
            throw DNNError.data(file, "a palette image (colour type 3) without a PLTE chunk")
        }
    }

    /// Records one chunk between IHDR and IEND.
    private mutating func accept(_ chunk: (type: String, data: Range<Int>, offset: Int), after previous: String,
                                 bytes: UnsafeBufferPointer<UInt8>, file: String) throws {
        let location = "\(file): byte \(chunk.offset)"
        switch chunk.type {
        case "IDAT":
            guard data.isEmpty || previous == "IDAT" else {
                throw DNNError.data(location, "IDAT chunks are not consecutive")
            }
            data.append(chunk.data)
        case "PLTE":
            guard chunk.data.count % 3 == 0, (3...768).contains(chunk.data.count), data.isEmpty else {
                throw DNNError.data(location, "bad PLTE chunk: \(chunk.data.count) bytes (a multiple of 3 up to 768, "
                                    + "before IDAT)")
            }
            palette = Array(bytes[chunk.data])
        case "tRNS":
            transparency = Array(bytes[chunk.data])
            try checkTransparency(location)
        case "IHDR":
            throw DNNError.data(location, "a second IHDR chunk")
        default:
            // Bit 5 of the first letter clear: a critical chunk, which a decoder must understand.
            guard chunk.type.utf8.first! & 0x20 != 0 else {
                throw DNNError.data(location, "unknown critical chunk \(chunk.type)")
            }
        }
    }

    /// tRNS's size must suit the colour type; colour types with alpha have none.
    private func checkTransparency(_ location: String) throws {
        let count = transparency?.count ?? 0
        let fits = switch header.colorType {
        case 0: count == 2
        case 2: count == 6
        case 3: count <= 256
        default: false
        }
        guard fits else {
            throw DNNError.data(location, "a tRNS chunk of \(count) bytes does not suit colour type \(header.colorType)")
        }
    }

    /// The chunk at `offset`, its CRC checked; moves `offset` past it.
    private static func next(_ bytes: UnsafeBufferPointer<UInt8>, at offset: inout Int,
                             file: String) throws -> (type: String, data: Range<Int>, offset: Int) {
        let start = offset
        guard bytes.count - start >= 8 else {
            throw DNNError.data("\(file): byte \(start)", "truncated: the file ends before the IEND chunk")
        }
        let length = (start..<(start + 4)).reduce(0) { $0 << 8 | Int(bytes[$1]) }
        let typeBytes = bytes[(start + 4)..<(start + 8)]
        let type = String(decoding: typeBytes.map { (65...90).contains($0) || (97...122).contains($0) ? $0 : 63 },
                          as: UTF8.self)
        guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }), length < 1 << 31 else {
            throw DNNError.data("\(file): byte \(start)", "damaged chunk header (type '\(type)', length \(length))")
        }
        guard bytes.count - start - 12 >= length else {
            throw DNNError.data("\(file): byte \(start)", "truncated: chunk \(type) holds \(length) bytes but the file "
                                + "ends \(bytes.count - start - 8) bytes after its header")
        }
        let end = start + 8 + length
        let stored = (end..<(end + 4)).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[$1]) }
        let computed = UInt32(truncatingIfNeeded: crc32(0, bytes.baseAddress! + start + 4, UInt32(length + 4)))
        guard stored == computed else {
            throw DNNError.data("\(file): byte \(start)", "bad CRC in chunk \(type) (the file is damaged)")
        }
        offset = end + 4
        return (type, (start + 8)..<end, start)
    }
}
