/// The Protocol Buffers wire format, as much of it as an ONNX model needs: varints,
/// 32-bit floats and length-delimited fields (strings, bytes, nested messages, packed
/// repeated scalars). See https://protobuf.dev/programming-guides/encoding/.
///
/// `dnn` writes ONNX without a protobuf library, so that exporting needs no package
/// dependency; `ONNXProto` names the fields of onnx.proto that it fills in.
struct ProtobufWriter {
    /// The encoded message so far.
    private(set) var bytes: [UInt8] = []

    /// The wire type in the low three bits of every field's key.
    enum WireType: UInt64 {
        /// int32, int64, uint64, bool, enum: base-128 varint.
        case varint = 0
        /// string, bytes, embedded messages, packed repeated fields: a varint length, then the bytes.
        case lengthDelimited = 2
        /// float, fixed32: four little-endian bytes.
        case fixed32 = 5
    }

    /// A base-128 varint: seven bits per byte, least significant group first, the high bit
    /// set on every byte but the last.
    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// A field's key: `(field_number << 3) | wire_type`.
    mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// An int32/int64/enum field. Negative numbers take ten bytes (two's complement as a
    /// 64-bit varint), as protobuf's int64 encoding does.
    mutating func int(_ field: Int, _ value: Int) {
        key(field, .varint)
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// A float field: its IEEE 754 bits, little-endian.
    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// A bytes field.
    mutating func bytes(_ field: Int, _ data: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    /// A string field: its UTF-8 bytes.
    mutating func string(_ field: Int, _ text: String) {
        bytes(field, Array(text.utf8))
    }

    /// An embedded message, encoded by `body` into its own writer, then written with its length.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        bytes(field, nested.bytes)
    }

    /// A packed repeated int64 field: one length, then the varints.
    mutating func packedInts(_ field: Int, _ values: [Int]) {
        var payload = ProtobufWriter()
        for value in values { payload.varint(UInt64(bitPattern: Int64(value))) }
        bytes(field, payload.bytes)
    }

    /// Four bytes, least significant first.
    mutating func appendLittleEndian(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
