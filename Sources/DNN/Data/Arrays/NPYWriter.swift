/// Writes NPY arrays (format 1.0, or 2.0 when the header outgrows 65,535 bytes) as NumPy's
/// `np.save` does: C order, little-endian, the header padded with spaces to a multiple of
/// 64 bytes and ended by a line break, so `np.load` reads them back.
enum NPYWriter {
    /// The element values of an array, each with its NumPy dtype.
    enum Values {
        /// `<f4`: features, regression targets.
        case float32([Float])
        /// `|u1`: image pixels, one byte per value.
        case uint8([UInt8])
        /// `<i8`: class indices.
        case int64([Int64])
        /// `<U<n>`, n the longest string's length in code points (at least 1): names.
        case unicode([String])

        var count: Int {
            switch self {
            case .float32(let values): values.count
            case .uint8(let values): values.count
            case .int64(let values): values.count
            case .unicode(let values): values.count
            }
        }

        /// The longest string's length in Unicode scalars, at least 1 (NumPy's `<U1` for empty strings).
        var unicodeWidth: Int {
            guard case .unicode(let texts) = self else { return 0 }
            return max(1, texts.map(\.unicodeScalars.count).max() ?? 1)
        }

        /// Bytes per element.
        var elementSize: Int {
            switch self {
            case .float32: 4
            case .uint8: 1
            case .int64: 8
            case .unicode: 4 * unicodeWidth
            }
        }

        var descr: String {
            switch self {
            case .float32: "<f4"
            case .uint8: "|u1"
            case .int64: "<i8"
            case .unicode: "<U\(unicodeWidth)"
            }
        }
    }

    /// The bytes `append(_:shape:to:)` writes for `values` with `shape`.
    static func size(_ values: Values, shape: [Int]) -> Int {
        header(values, shape: shape).count + values.count * values.elementSize
    }

    /// Magic, version, header length and the padded header dict.
    static func header(_ values: Values, shape: [Int]) -> [UInt8] {
        let dict = "{'descr': '\(values.descr)', 'fortran_order': False, 'shape': \(NPYHeader.shapeText(shape)), }"
        var header = Array(dict.utf8)
        let lengthBytes = header.count + 11 > 65_535 ? 4 : 2
        let unpadded = 8 + lengthBytes + header.count + 1
        header += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64) + [0x0A]
        var output = NPYHeader.magic + [lengthBytes == 2 ? 1 : 2, 0]
        for byte in 0..<lengthBytes { output.append(UInt8(truncatingIfNeeded: header.count >> (8 * byte))) }
        return output + header
    }

    /// Appends the NPY file of `values` with `shape` (whose product must be `values.count`) to `output`.
    static func append(_ values: Values, shape: [Int], to output: inout [UInt8]) {
        precondition(shape.reduce(1, *) == values.count, "NPYWriter: the shape does not match the values")
        output += header(values, shape: shape)
        switch values {
        case .float32(let floats):
            output.reserveCapacity(output.count + 4 * floats.count)
            for value in floats { appendLittleEndian(value.bitPattern, to: &output) }
        case .uint8(let bytes):
            output += bytes
        case .int64(let integers):
            output.reserveCapacity(output.count + 8 * integers.count)
            for value in integers { appendLittleEndian(value, to: &output) }
        case .unicode(let texts):
            let width = values.unicodeWidth
            for text in texts {
                let scalars = text.unicodeScalars.map(\.value)
                for index in 0..<width { appendLittleEndian(index < scalars.count ? scalars[index] : 0, to: &output) }
            }
        }
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output += $0 }
    }
}
