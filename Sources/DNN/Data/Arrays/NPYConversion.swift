/// The element loops that turn NPY data of any numeric dtype into Floats: one loop per
/// element type, chosen once per array, so no per-element work goes through a switch.
extension NPYArray {
    /// Converts `data` (numeric `dtype`, storage order) into `output`, one Float per element.
    static func convert(_ data: UnsafeRawBufferPointer, dtype: NPYDType, into output: UnsafeMutableBufferPointer<Float>) {
        let big = dtype.bigEndian
        switch (dtype.kind, dtype.size) {
        case (.bool, _): convertBytes(data, into: output) { $0 == 0 ? 0 : 1 }
        case (.unsigned, 1): convertBytes(data, into: output) { Float($0) }
        case (.signed, 1): convertBytes(data, into: output) { Float(Int8(bitPattern: $0)) }
        case (.signed, 2): convert(data, as: Int16.self, bigEndian: big, into: output) { Float($0) }
        case (.signed, 4): convert(data, as: Int32.self, bigEndian: big, into: output) { Float($0) }
        case (.signed, _): convert(data, as: Int64.self, bigEndian: big, into: output) { Float($0) }
        case (.unsigned, 2): convert(data, as: UInt16.self, bigEndian: big, into: output) { Float($0) }
        case (.unsigned, 4): convert(data, as: UInt32.self, bigEndian: big, into: output) { Float($0) }
        case (.unsigned, _): convert(data, as: UInt64.self, bigEndian: big, into: output) { Float($0) }
        case (.float, 2): convert(data, as: UInt16.self, bigEndian: big, into: output, halfToFloat)
        case (.float, 4): convert(data, as: UInt32.self, bigEndian: big, into: output) { Float(bitPattern: $0) }
        default: convert(data, as: UInt64.self, bigEndian: big, into: output) { Float(Double(bitPattern: $0)) }
        }
    }

    private static func convertBytes(_ data: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Float>,
                                     _ transform: (UInt8) -> Float) {
        for index in 0..<output.count { output[index] = transform(data[index]) }
    }

    /// Loads `T` values (unaligned: an NPZ member may start anywhere) in the file's byte order.
    private static func convert<T: FixedWidthInteger>(_ data: UnsafeRawBufferPointer, as type: T.Type, bigEndian: Bool,
                                                      into output: UnsafeMutableBufferPointer<Float>,
                                                      _ transform: (T) -> Float) {
        let size = MemoryLayout<T>.size
        if bigEndian {
            for index in 0..<output.count {
                output[index] = transform(T(bigEndian: data.loadUnaligned(fromByteOffset: index * size, as: T.self)))
            }
        } else {
            for index in 0..<output.count {
                output[index] = transform(T(littleEndian: data.loadUnaligned(fromByteOffset: index * size, as: T.self)))
            }
        }
    }

    /// An IEEE 754 half-precision value as a Float (exact: every half is a Float), without
    /// Swift's `Float16`, which some platforms dnn builds for lack.
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int((bits >> 10) & 0x1F), mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0: return sign * Float(mantissa) * 0x1p-24
        case 31: return Float(bitPattern: UInt32(bits & 0x8000) << 16 | 0x7F80_0000 | mantissa << 13)
        default: return Float(bitPattern: UInt32(bits & 0x8000) << 16 | UInt32(exponent + 112) << 23 | mantissa << 13)
        }
    }
}
