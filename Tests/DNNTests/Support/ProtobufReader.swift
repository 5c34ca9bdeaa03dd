/// A protobuf message split into its fields, enough to read back what `dnn export` wrote
/// without a protobuf library: varint, fixed32, fixed64 and length-delimited fields
/// (https://protobuf.dev/programming-guides/encoding/). Written independently of the
/// library's `ProtobufWriter`, so that a shared misunderstanding cannot hide.
struct ProtobufMessage {
    enum Value {
        case varint(UInt64)
        case fixed32(UInt32)
        case fixed64(UInt64)
        case bytes([UInt8])
    }

    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    /// The fields in file order; a repeated field appears once per element (or once, packed).
    private(set) var fields: [(number: Int, value: Value)] = []

    init(_ bytes: [UInt8]) throws {
        var offset = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard offset < bytes.count, shift < 64 else { throw DecodingError(description: "truncated varint at \(offset)") }
                let byte = bytes[offset]
                offset += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= bytes.count else {
                throw DecodingError(description: "field of \(count) bytes at \(offset) runs past the end (\(bytes.count))")
            }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        func littleEndian(_ count: Int) throws -> UInt64 {
            try take(count).enumerated().reduce(0) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
        }
        while offset < bytes.count {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((number, .varint(try varint())))
            case 1: fields.append((number, .fixed64(try littleEndian(8))))
            case 2: fields.append((number, .bytes(try take(Int(try varint())))))
            case 5: fields.append((number, .fixed32(UInt32(try littleEndian(4)))))
            default: throw DecodingError(description: "wire type \(key & 7) of field \(number) at \(offset)")
            }
        }
    }

    private func values(_ number: Int) -> [Value] { fields.filter { $0.number == number }.map(\.value) }

    /// Every length-delimited field `number` decoded as a message.
    func messages(_ number: Int) throws -> [ProtobufMessage] {
        try values(number).map { value in
            guard case .bytes(let bytes) = value else { throw DecodingError(description: "field \(number) is not a message") }
            return try ProtobufMessage(bytes)
        }
    }

    /// The single message field `number` (nil when absent).
    func message(_ number: Int) throws -> ProtobufMessage? { try messages(number).last }

    /// Every string field `number`, in order.
    func strings(_ number: Int) -> [String] {
        values(number).compactMap { if case .bytes(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }
    }

    func string(_ number: Int) -> String? { strings(number).last }

    /// The raw bytes of field `number`.
    func bytes(_ number: Int) -> [UInt8]? {
        values(number).compactMap { if case .bytes(let b) = $0 { b } else { nil } }.last
    }

    /// An int64 field (two's complement for negative values).
    func int(_ number: Int) -> Int? {
        values(number).compactMap { if case .varint(let v) = $0 { Int(Int64(bitPattern: v)) } else { nil } }.last
    }

    /// A repeated int64 field, packed (one length-delimited run of varints) or not.
    func ints(_ number: Int) throws -> [Int] {
        try values(number).flatMap { value -> [Int] in
            switch value {
            case .varint(let v): return [Int(Int64(bitPattern: v))]
            case .bytes(let packed): return try ProtobufMessage.varints(packed)
            default: throw DecodingError(description: "field \(number) is not an integer")
            }
        }
    }

    /// A float field (fixed32 bits).
    func float(_ number: Int) -> Float? {
        values(number).compactMap { if case .fixed32(let bits) = $0 { Float(bitPattern: bits) } else { nil } }.last
    }

    /// Varints back to back, as in a packed repeated field.
    private static func varints(_ bytes: [UInt8]) throws -> [Int] {
        var result: [Int] = [], value: UInt64 = 0, shift: UInt64 = 0
        for byte in bytes {
            guard shift < 64 else { throw DecodingError(description: "varint longer than 10 bytes") }
            value |= UInt64(byte & 0x7F) << shift
            shift += 7
            if byte < 0x80 {
                result.append(Int(Int64(bitPattern: value)))
                (value, shift) = (0, 0)
            }
        }
        guard shift == 0 else { throw DecodingError(description: "truncated packed varint") }
        return result
    }
}
