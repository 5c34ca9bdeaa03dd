/// The header of an NPY file (format versions 1.0, 2.0 and 3.0): the magic string
/// `\x93NUMPY`, the version, the header's length (2 bytes in 1.0, 4 bytes after), and a
/// Python dict literal with exactly the keys `descr`, `fortran_order` and `shape`.
///
/// Every size is computed with overflow-checked arithmetic and checked against the bytes
/// that are really there, so a header claiming a shape of 2^62 is refused before anything
/// is allocated for it.
struct NPYHeader: Equatable, Sendable {
    var dtype: NPYDType
    /// Whether the data is in column-major (Fortran) order.
    var fortranOrder: Bool
    var shape: [Int]
    /// The number of elements, the product of `shape`.
    var count: Int
    /// Where the data starts, from the start of the NPY bytes.
    var dataOffset: Int
    /// `count * dtype.size`.
    var dataBytes: Int
    /// The format version, e.g. (1, 0).
    var major: UInt8
    var minor: UInt8

    /// The shape as NumPy prints it: `(150, 4)`, `(10,)`.
    var shapeText: String { NPYHeader.shapeText(shape) }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Whether `bytes` start with the NPY magic string.
    static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && zip(bytes.prefix(magic.count), magic).allSatisfy { $0 == $1 }
    }

    /// The header at the start of `bytes`, whose data must follow it in full.
    /// - Parameter location: the file (or `archive: member`), named in errors with a byte offset.
    /// - Throws: `DNNError(.data)` for a wrong magic, an unknown version, a header that is
    ///   not the dict NumPy writes, a dtype dnn does not read, or data shorter than the shape needs.
    static func parse(_ bytes: UnsafeRawBufferPointer, location: String) throws -> NPYHeader {
        guard hasMagic(bytes) else {
            throw DNNError(.data, at: "\(location): byte 0", "is not an NPY file (it does not start with \\x93NUMPY)")
        }
        guard bytes.count >= 10 else { throw truncated(location, at: bytes.count, what: "the header") }
        let major = bytes[6], minor = bytes[7]
        guard [1, 2, 3].contains(major), minor == 0 else {
            throw DNNError(.data, at: "\(location): byte 6", "NPY format version \(major).\(minor) is not one dnn reads (1.0, 2.0, 3.0)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw truncated(location, at: bytes.count, what: "the header") }
        let length = (0..<lengthBytes).reversed().reduce(0) { $0 << 8 | Int(bytes[8 + $1]) }
        let start = 8 + lengthBytes
        guard bytes.count - start >= length else {
            throw truncated(location, at: bytes.count, what: "the header, which claims \(length) bytes from byte \(start)")
        }
        let text = Array(bytes[start..<(start + length)])
        if major < 3, let index = text.firstIndex(where: { $0 >= 0x80 }) {
            throw DNNError(.data, at: "\(location): byte \(start + index)", "bad NPY header: a byte above 127 in a version \(major).0 header (latin-1 there; UTF-8 needs version 3.0)")
        }
        var header = try fields(of: PythonLiteral.parse(text, location: location, baseOffset: start), location: "\(location): header")
        header.major = major
        header.minor = minor
        header.dataOffset = start + length
        try header.computeSizes(available: bytes.count - header.dataOffset, location: location)
        return header
    }

    /// The three keys of the header dict, each checked; sizes are left to `computeSizes`.
    private static func fields(of literal: PythonLiteral, location: String) throws -> NPYHeader {
        guard case .dict(let entries) = literal else { throw DNNError(.data, at: location, "bad NPY header: not a dict") }
        var descr: String?, fortran: Bool?, shape: [Int]?
        for (key, value) in entries {
            guard case .string(let name) = key else { throw DNNError(.data, at: location, "bad NPY header: a key is not a string") }
            switch (name, value) {
            case ("descr", .string(let text)) where descr == nil: descr = text
            case ("descr", .list) where descr == nil:
                throw DNNError(.data, at: location, "holds a structured array (fields), which dnn does not read",
                               hint: "save one plain array per member, e.g. np.savez(path, x=x, y=y)")
            case ("fortran_order", .bool(let flag)) where fortran == nil: fortran = flag
            case ("shape", .tuple(let items)) where shape == nil:
                shape = try items.map { item in
                    guard case .integer(let size) = item, size >= 0 else {
                        throw DNNError(.data, at: location, "bad NPY header: the shape holds something other than a size")
                    }
                    return size
                }
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw DNNError(.data, at: location, "bad NPY header: '\(name)' is repeated or has the wrong type")
            default:
                throw DNNError(.data, at: location, "bad NPY header: unexpected key '\(name)'",
                               hint: "an NPY header holds exactly descr, fortran_order and shape")
            }
        }
        guard let descr, let fortran, let shape else {
            throw DNNError(.data, at: location, "bad NPY header: it needs the keys descr, fortran_order and shape")
        }
        return NPYHeader(dtype: try NPYDType.parse(descr, location: location), fortranOrder: fortran, shape: shape,
                         count: 0, dataOffset: 0, dataBytes: 0, major: 1, minor: 0)
    }

    /// `count` and `dataBytes`, overflow-checked, and checked against the `available` bytes after the header.
    private mutating func computeSizes(available: Int, location: String) throws {
        var elements = 1
        for size in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw DNNError(.data, at: "\(location): header", "the shape \(shapeText) has more elements than memory can hold")
            }
            elements = product
        }
        let (total, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else {
            throw DNNError(.data, at: "\(location): header", "the shape \(shapeText) of \(dtype.name) needs more bytes than memory can hold")
        }
        count = elements
        dataBytes = total
        guard available >= total else {
            throw NPYHeader.truncated(location, at: dataOffset + available,
                                      what: "the data: shape \(shapeText) of \(dtype.name) needs \(grouped(total)) bytes from byte \(dataOffset)")
        }
        guard available == total else {
            throw DNNError(.data, at: "\(location): byte \(dataOffset + total)",
                           "\(grouped(available - total)) bytes follow the data of shape \(shapeText) (a damaged file?)")
        }
    }

    static func truncated(_ location: String, at byte: Int, what: String) -> DNNError {
        DNNError(.data, at: "\(location): byte \(byte)", "truncated NPY file: it ends before the end of \(what)")
    }
}
