/// A safetensors file: the checkpoint format of `dnn` and of Hugging Face / PyTorch.
///
/// Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 N,
/// N bytes of UTF-8 JSON mapping each tensor name to `{"dtype", "shape",
/// "data_offsets": [begin, end]}` (offsets relative to the first byte after the header)
/// plus an optional `"__metadata__"` map of strings, then the tensors' little-endian
/// data. We write the header padded with spaces to a multiple of 8 bytes, so the data
/// starts 8-byte aligned, as the reference implementation does.
///
/// Reading checks everything a hostile or damaged file could get wrong and reports it
/// with the byte offset or tensor name; it never traps.
public struct SafeTensors: Sendable {
    /// One tensor: its dtype name ("F32", "F64", "I64", ...), shape and raw little-endian bytes.
    public struct Tensor: Equatable, Sendable {
        /// The element type as safetensors names it: "F32", "F64", "I64", "F16", "BF16", ...
        public var dtype: String
        /// The dimensions, PyTorch's order ([] for a scalar).
        public var shape: [Int]
        /// The elements, row-major, little-endian.
        public var bytes: [UInt8]

        /// A tensor from raw parts; `bytes.count` should be `shape.product * dtype size`.
        public init(dtype: String, shape: [Int], bytes: [UInt8]) {
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }
    }

    /// The tensors, written in this order; `read` returns them sorted by data offset.
    public var tensors: [(name: String, tensor: Tensor)]
    /// The `__metadata__` string map (config, class names, normalisation, epoch...).
    public var metadata: [String: String]

    /// A file's contents from tensors (names must be distinct) and metadata.
    public init(tensors: [(name: String, tensor: Tensor)] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor with this name, if any.
    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }?.tensor
    }

    /// The element size of each dtype the format defines.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4,
        "I64": 8, "U64": 8, "F64": 8,
    ]

    /// The largest header we accept, as the reference implementation does.
    static let maximumHeaderLength = 100_000_000

    // MARK: Reading

    /// Reads and validates the safetensors file at `path`.
    ///
    /// - Throws: `DNNError(.io)` when the file cannot be read; `DNNError(.checkpoint, at:
    ///   "<file>: byte <offset>" or "<file>: tensor '<name>'")` when the file is too short,
    ///   the header length is too large, the header is not a UTF-8 JSON object, a tensor
    ///   entry lacks or mistypes dtype, shape or data_offsets, has negative dimensions, an
    ///   unknown dtype, offsets out of order or out of bounds, a byte length that does not
    ///   match its shape, or overlaps another tensor, or a metadata value is not a string.
    public static func read(path: String) throws -> SafeTensors {
        try decode(try FileBytes.read(path), file: path)
    }

    /// Decodes the bytes of a safetensors file; `file` is named in errors.
    static func decode(_ bytes: [UInt8], file: String) throws -> SafeTensors {
        let (header, headerLength) = try decodeHeader(bytes, file: file)
        let metadata = try decodeMetadata(header, file: file)
        let dataStart = 8 + headerLength
        var entries = try header.filter { $0.key != "__metadata__" }.map { name, entry in
            try Entry(name: name, json: entry, dataLength: bytes.count - dataStart, file: file)
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        for i in entries.indices.dropFirst() where entries[i].begin < entries[i - 1].end {
            throw Entry.fail(file, entries[i].name, "data bytes \(entries[i].begin)..<\(entries[i].end) overlap tensor "
                + "'\(entries[i - 1].name)' (\(entries[i - 1].begin)..<\(entries[i - 1].end))")
        }
        let tensors = entries.map { entry in
            (name: entry.name,
             tensor: Tensor(dtype: entry.dtype, shape: entry.shape,
                            bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])))
        }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    /// The 8-byte length and the JSON header it announces, as an object's members.
    private static func decodeHeader(_ bytes: [UInt8], file: String) throws -> ([(key: String, value: JSON)], Int) {
        func fail(byte: Int, _ message: String) -> DNNError {
            DNNError(.checkpoint, at: "\(file): byte \(byte)", message)
        }
        guard bytes.count >= 8 else {
            throw fail(byte: 0, "the file has \(bytes.count) bytes, too few for the 8-byte header length")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw fail(byte: 0, "the header length \(length) is larger than the limit of \(maximumHeaderLength) bytes")
        }
        let headerLength = Int(length)
        guard headerLength <= bytes.count - 8 else {
            throw fail(byte: 0, "the header length \(headerLength) is larger than the rest of the file "
                + "(\(bytes.count - 8) bytes): the file is truncated or not a safetensors file")
        }
        let headerBytes = bytes[8..<(8 + headerLength)]
        guard let headerText = String(validating: headerBytes, as: UTF8.self) else {
            throw fail(byte: 8, "the header is not valid UTF-8")
        }
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail(byte: 8, "the header is not a JSON object")
        }
        do {
            guard let members = try JSON.parse(headerText, file: "header").object else {
                throw fail(byte: 8, "the header is not a JSON object")
            }
            return (members, headerLength)
        } catch let error as DNNError where error.kind == .config {
            // The parser names "header:line:column"; the location stays the header's first byte.
            throw fail(byte: 8, "the header is not a JSON object: \(error.description)")
        }
    }

    /// `__metadata__`: a map of strings, or nothing.
    private static func decodeMetadata(_ header: [(key: String, value: JSON)], file: String) throws -> [String: String] {
        var metadata: [String: String] = [:]
        guard let raw = header.first(where: { $0.key == "__metadata__" })?.value else { return metadata }
        guard let map = raw.object else {
            throw DNNError(.checkpoint, at: "\(file): __metadata__", "is not a JSON object of strings")
        }
        for (key, value) in map {
            guard let text = value.stringValue else {
                throw DNNError(.checkpoint, at: "\(file): __metadata__ '\(key)'", "the value is not a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    /// One tensor's header entry, checked: its dtype, shape and byte range in the data.
    private struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int

        static func fail(_ file: String, _ tensor: String, _ message: String) -> DNNError {
            DNNError(.checkpoint, at: "\(file): tensor '\(tensor)'", message)
        }

        init(name: String, json entry: JSON, dataLength: Int, file: String) throws {
            func fail(_ message: String) -> DNNError { Entry.fail(file, name, message) }
            guard entry.object != nil else { throw fail("the entry is not a JSON object") }
            guard let dtype = entry["dtype"]?.stringValue else { throw fail("\"dtype\" is missing or not a string") }
            guard let elementSize = SafeTensors.dtypeSizes[dtype] else {
                throw fail("unknown dtype '\(dtype)' (known: \(SafeTensors.dtypeSizes.keys.sorted().joined(separator: ", ")))")
            }
            self.name = name
            self.dtype = dtype
            shape = try Entry.shape(entry["shape"], fail: fail)
            (begin, end) = try Entry.offsets(entry["data_offsets"], dataLength: dataLength, fail: fail)
            var elements = 1
            for dim in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw fail("the shape \(shape) is too large") }
                elements = product
            }
            let (byteCount, overflow) = elements.multipliedReportingOverflow(by: elementSize)
            guard !overflow, byteCount == end - begin else {
                throw fail("\"data_offsets\" [\(begin), \(end)] span \(end - begin) bytes but "
                    + "\(dtype) \(shape) needs \(overflow ? "more" : String(byteCount))")
            }
        }

        /// `shape`: non-negative integers, read exactly from their text.
        static func shape(_ json: JSON?, fail: (String) -> DNNError) throws -> [Int] {
            guard let list = json?.array else { throw fail("\"shape\" is missing or not a list of integers") }
            return try list.enumerated().map { index, item in
                switch HeaderInteger(item) {
                case .notAnInteger: throw fail("\"shape\"[\(index)] is not an integer")
                case .negative(let text): throw fail("\"shape\"[\(index)] is negative (\(text))")
                case .tooLarge(let text): throw fail("\"shape\"[\(index)] is too large (\(text))")
                case .value(let dim): return dim
                }
            }
        }

        /// `data_offsets`: [begin, end] within the data.
        static func offsets(_ json: JSON?, dataLength: Int, fail: (String) -> DNNError) throws -> (Int, Int) {
            guard let offsets = json?.array, offsets.count == 2,
                  case let first = HeaderInteger(offsets[0]), case let second = HeaderInteger(offsets[1]),
                  first.isInteger, second.isInteger
            else {
                throw fail("\"data_offsets\" is missing or not a list of two integers")
            }
            let shown = "[\(offsets[0]), \(offsets[1])]"
            let pastTheEnd = "go past the end of the data (\(dataLength) bytes): the file is truncated"
            guard case .value(let begin) = first, case .value(let end) = second else {
                // A negative offset, or one beyond Int, which no file can reach.
                if case .negative = first { throw fail("\"data_offsets\" \(shown) are out of order") }
                if case .negative = second { throw fail("\"data_offsets\" \(shown) are out of order") }
                throw fail("\"data_offsets\" \(shown) \(pastTheEnd)")
            }
            guard begin <= end else { throw fail("\"data_offsets\" [\(begin), \(end)] are out of order") }
            guard end <= dataLength else { throw fail("\"data_offsets\" [\(begin), \(end)] \(pastTheEnd)") }
            return (begin, end)
        }
    }

    // MARK: Writing

    /// The file's bytes: the header (metadata first, then the tensors in order, padded with
    /// spaces to a multiple of 8 bytes) and the tensors' data back to back.
    public func encoded() -> [UInt8] {
        var fields: [(key: String, value: JSON)] = []
        if !metadata.isEmpty {
            fields.append(("__metadata__", .object(metadata.keys.sorted().map { ($0, .string(metadata[$0] ?? "")) })))
        }
        var offset = 0
        for (name, tensor) in tensors {
            let entry: JSON = [
                "dtype": .string(tensor.dtype),
                "shape": .array(tensor.shape.map { .integer($0) }),
                "data_offsets": [.integer(offset), .integer(offset + tensor.bytes.count)],
            ]
            fields.append((name, entry))
            offset += tensor.bytes.count
        }
        var headerBytes = Array(JSON.object(fields).serialized(pretty: false).utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + headerBytes.count + offset)
        let length = UInt64(headerBytes.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        bytes.append(contentsOf: headerBytes)
        for (_, tensor) in tensors { bytes.append(contentsOf: tensor.bytes) }
        return bytes
    }

    /// Writes the file atomically: `path.tmp-<pid>` in the same folder, flushed to disk,
    /// then renamed over `path`. On failure the temporary file is removed and an existing
    /// `path` is left untouched.
    ///
    /// - Throws: `DNNError(.io, at: path, ...)`.
    public func write(to path: String) throws {
        try AtomicFile.write(encoded(), to: path)
    }
}

extension SafeTensors.Tensor {
    /// A floating-point tensor of `values` in row-major order: F32 for Float, F64 for Double.
    public init<T: Scalar>(_ values: [T], shape: [Int]) {
        var bytes = values.withUnsafeBytes { Array($0) }
        #if _endian(big)
        let size = MemoryLayout<T>.size
        for start in stride(from: 0, to: bytes.count, by: size) { bytes[start..<(start + size)].reverse() }
        #endif
        self.init(dtype: T.safetensorsDType, shape: shape, bytes: bytes)
    }

    /// An I64 scalar (shape []), as PyTorch stores `num_batches_tracked`.
    public init(int64 value: Int64) {
        self.init(dtype: "I64", shape: [], bytes: withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }

    /// The number of elements, the product of `shape`.
    var elementCount: Int { shape.reduce(1, *) }

    /// The values converted to `T`, from F32, F64, F16 or BF16 (PyTorch may save any of them).
    ///
    /// - Parameters:
    ///   - name: the tensor's name and `file` its file, for the error.
    /// - Throws: `DNNError(.checkpoint, at: "<file>: tensor '<name>'")` for another dtype
    ///   or bytes that do not match the shape.
    public func values<T: Scalar>(as type: T.Type, name: String, file: String) throws -> [T] {
        guard let size = SafeTensors.dtypeSizes[dtype], ["F32", "F64", "F16", "BF16"].contains(dtype) else {
            throw DNNError(.checkpoint, at: "\(file): tensor '\(name)'",
                           "dtype \(dtype) is not floating point (expected F32, F64, F16 or BF16)")
        }
        let count = elementCount
        guard bytes.count == count * size else {
            throw DNNError(.checkpoint, at: "\(file): tensor '\(name)'",
                           "holds \(bytes.count) bytes but \(dtype) \(shape) needs \(count * size)")
        }
        return bytes.withUnsafeBytes { raw -> [T] in
            [T](unsafeUninitializedCapacity: count) { out, initialized in
                switch dtype {
                case "F64":
                    for i in 0..<count {
                        out[i] = T(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i,
                                                                                            as: UInt64.self))))
                    }
                case "F32":
                    for i in 0..<count {
                        out[i] = T(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i,
                                                                                           as: UInt32.self))))
                    }
                case "F16":
                    for i in 0..<count {
                        out[i] = T(floatFromHalf(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i,
                                                                                      as: UInt16.self))))
                    }
                default:
                    // BF16 is the top half of a Float.
                    for i in 0..<count {
                        let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        out[i] = T(Float(bitPattern: UInt32(bits) << 16))
                    }
                }
                initialized = count
            }
        }
    }

    /// The value of an I64 scalar (shape [] or [1]), such as `num_batches_tracked`.
    ///
    /// - Throws: `DNNError(.checkpoint, at: "<file>: tensor '<name>'")` for another dtype or size.
    public func int64Value(name: String, file: String) throws -> Int64 {
        guard dtype == "I64", elementCount == 1, bytes.count == 8 else {
            throw DNNError(.checkpoint, at: "\(file): tensor '\(name)'",
                           "expected one I64 value, found \(dtype) \(shape)")
        }
        return bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
    }
}

/// An IEEE half-precision value as Float (exact: every half is a Float).
func floatFromHalf(_ bits: UInt16) -> Float {
    let sign: UInt32 = UInt32(bits & 0x8000) << 16
    let exponent = Int(bits >> 10) & 0x1F
    let fraction = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
        // Zero or subnormal: fraction * 2^-24.
        let magnitude = Float(fraction) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 31:
        return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
    default:
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | fraction << 13)
    }
}

/// A shape dimension or data offset of a safetensors header, read exactly from the
/// number's literal text (so 2^53 + 1 is not rounded, and `4.0`, `1e3` and `true` are
/// not integers).
private enum HeaderInteger {
    case value(Int)
    case negative(String)
    case tooLarge(String)
    case notAnInteger

    init(_ json: JSON) {
        guard case .number(_, let text) = json, JSON.isIntegerText(text) else {
            self = .notAnInteger
            return
        }
        if let value = Int(text), value >= 0 {
            self = .value(value)
        } else {
            self = text.hasPrefix("-") ? .negative(text) : .tooLarge(text)
        }
    }

    var isInteger: Bool {
        if case .notAnInteger = self { return false }
        return true
    }
}
