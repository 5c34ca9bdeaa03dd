/// The element type of a NumPy array, from the `descr` of its header (`'<f4'`, `'|u1'`,
/// `'>i8'`, `'<U12'`): what the readers can turn into features, labels or class names.
///
/// Object arrays (`'|O'`) are refused here, before any byte of them is looked at: their
/// data is a pickle, and unpickling runs arbitrary code.
struct NPYDType: Equatable, Sendable {
    /// What the bytes of one element mean.
    enum Kind: Equatable, Sendable {
        /// `b1`: one byte, zero for False.
        case bool
        /// `i1`...`i8`: two's complement.
        case signed
        /// `u1`...`u8`.
        case unsigned
        /// `f2`, `f4`, `f8`: IEEE 754 half, single and double precision.
        case float
        /// `U<n>`: n UTF-32 code units, trailing NULs stripped.
        case unicode
        /// `S<n>`: n bytes of text (UTF-8), trailing NULs stripped.
        case bytes
    }

    var kind: Kind
    /// Bytes per element.
    var size: Int
    /// Whether multi-byte values are big-endian (`'>'`, or `'='`/`'|'` never are here).
    var bigEndian: Bool

    /// The `descr` as written, for messages.
    var name: String {
        let order = size == 1 || (kind == .bytes) ? "|" : (bigEndian ? ">" : "<")
        switch kind {
        case .bool: return "|b1"
        case .signed: return "\(order)i\(size)"
        case .unsigned: return "\(order)u\(size)"
        case .float: return "\(order)f\(size)"
        case .unicode: return "\(order)U\(size / 4)"
        case .bytes: return "|S\(size)"
        }
    }

    /// Whether the elements are numbers (bool included), not text.
    var isNumeric: Bool { kind != .unicode && kind != .bytes }

    /// Whether the elements are integers (bool included): class indices rather than targets.
    var isInteger: Bool { kind == .bool || kind == .signed || kind == .unsigned }

    /// Little-endian float32, the layout a `[Float]` has in memory on every platform dnn builds for.
    var isNativeFloat32: Bool { kind == .float && size == 4 && !bigEndian }

    /// The dtype of a `descr` string.
    /// - Throws: a `.data` error at `location` for object, structured, datetime, complex or
    ///   unknown dtypes, naming the descr.
    static func parse(_ descr: String, location: String) throws -> NPYDType {
        let text = Array(descr.utf8)
        guard text.count >= 2, let order = text.first, [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"),
                                                      UInt8(ascii: "=")].contains(order) else {
            throw unsupported(descr, location: location)
        }
        let code = text[1]
        let digits = String(decoding: text[2...], as: UTF8.self)
        if code == UInt8(ascii: "O") {
            throw DNNError(.data, at: location, "holds Python objects (dtype '\(descr)'), which dnn refuses to unpickle",
                           hint: "save numbers or strings, e.g. np.save(path, array.astype(np.float32))")
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              digits.utf8.count <= 9, let count = Int(digits) else {
            throw unsupported(descr, location: location)
        }
        let bigEndian = order == UInt8(ascii: ">")
        switch (code, count) {
        case (UInt8(ascii: "b"), 1): return NPYDType(kind: .bool, size: 1, bigEndian: false)
        case (UInt8(ascii: "i"), 1), (UInt8(ascii: "i"), 2), (UInt8(ascii: "i"), 4), (UInt8(ascii: "i"), 8):
            return NPYDType(kind: .signed, size: count, bigEndian: bigEndian)
        case (UInt8(ascii: "u"), 1), (UInt8(ascii: "u"), 2), (UInt8(ascii: "u"), 4), (UInt8(ascii: "u"), 8):
            return NPYDType(kind: .unsigned, size: count, bigEndian: bigEndian)
        case (UInt8(ascii: "f"), 2), (UInt8(ascii: "f"), 4), (UInt8(ascii: "f"), 8):
            return NPYDType(kind: .float, size: count, bigEndian: bigEndian)
        case (UInt8(ascii: "U"), 1...):
            return NPYDType(kind: .unicode, size: count * 4, bigEndian: bigEndian)
        case (UInt8(ascii: "S"), 1...):
            return NPYDType(kind: .bytes, size: count, bigEndian: false)
        default:
            throw unsupported(descr, location: location)
        }
    }

    private static func unsupported(_ descr: String, location: String) -> DNNError {
        DNNError(.data, at: location, "has dtype '\(descr)', which dnn does not read",
                 hint: "dnn reads bool, int8..int64, uint8..uint64, float16/32/64 and unicode strings")
    }
}
