import Foundation

/// A NumPy array read from NPY bytes: its header, and its data left where it lies (a
/// mapped `.npy` file or an `.npz` member), turned into features, labels or text only
/// when asked, in C (row-major) order whatever its storage order.
struct NPYArray {
    let header: NPYHeader
    /// The file, or `archive: member`, named in errors.
    let location: String
    /// The element bytes: `header.dataBytes` of them.
    let data: UnsafeRawBufferPointer
    private let region: ByteRegion

    /// The array in the NPY bytes of `region`.
    /// - Throws: as `NPYHeader.parse`.
    init(region: ByteRegion, location: String) throws {
        header = try NPYHeader.parse(region.bytes, location: location)
        self.location = location
        self.region = region
        data = UnsafeRawBufferPointer(rebasing: region.bytes[header.dataOffset..<(header.dataOffset + header.dataBytes)])
    }

    /// The `.npy` file at `path`, mapped rather than read when it is a regular file: a
    /// C-order little-endian float32 array then trains from the mapping itself
    /// (`featureStorage(width:)`).
    static func read(path: String) throws -> NPYArray {
        try NPYArray(region: ByteRegion.file(path), location: path)
    }

    var shape: [Int] { header.shape }
    var dtype: NPYDType { header.dtype }

    /// Every element as a Float, in C order: numbers are converted as NumPy's
    /// `astype(np.float32)` does (bool as 0 and 1).
    /// - Throws: `DNNError(.data)` for text arrays.
    func floats() throws -> [Float] {
        guard dtype.isNumeric else {
            throw DNNError(.data, at: location, "holds text (dtype '\(dtype.name)') where numbers are needed")
        }
        let count = header.count
        var values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if dtype.isNativeFloat32 {
                if count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: data.baseAddress!, byteCount: count * 4) }
            } else {
                NPYArray.convert(data, dtype: dtype, into: buffer)
            }
            initialized = count
        }
        if header.fortranOrder { values = NPYArray.cOrder(values, shape: shape) }
        return values
    }

    /// The elements as features, `width` per row: a C-order little-endian float32 array
    /// left where it lies, in the mapped file or the inflated member (`MappedFloats`: the
    /// storage keeps those bytes alive); any other converted into floats.
    /// - Throws: `DNNError(.data)` for text arrays.
    func featureStorage(width: Int) throws -> FeatureStorage {
        if dtype.isNativeFloat32, !header.fortranOrder, let mapped = MappedFloats(region: region, data: data, width: width) {
            return .mapped(mapped)
        }
        return .floats(try floats())
    }

    /// The raw bytes of a `uint8` (or bool) array in C order: image pixels as they are
    /// stored, one byte per value (what a byte-backed dataset would hold as is).
    func uint8Values() -> [UInt8]? {
        guard dtype.size == 1 && (dtype.kind == .unsigned || dtype.kind == .bool) else { return nil }
        let values = Array(data.bindMemory(to: UInt8.self))
        return header.fortranOrder ? NPYArray.cOrder(values, shape: shape) : values
    }

    /// Every element as text in C order: integers in decimal, floats as the shortest text
    /// that reads back to the same Float, strings with trailing NULs removed.
    /// - Throws: `DNNError(.data)` for a string that is not valid Unicode.
    func texts() throws -> [String] {
        var texts: [String] = []
        texts.reserveCapacity(header.count)
        switch dtype.kind {
        case .unicode, .bytes:
            for index in 0..<header.count { texts.append(try string(at: index)) }
        case .bool, .signed, .unsigned:
            for index in 0..<header.count { texts.append(integerText(at: index)) }
        case .float:
            for value in try floats() { texts.append(String(Double(value))) }
            return texts
        }
        return header.fortranOrder ? NPYArray.cOrder(texts, shape: shape) : texts
    }

    private func integerText(at index: Int) -> String {
        let offset = index * dtype.size
        func load<T: FixedWidthInteger>(_: T.Type) -> T {
            let raw = data.loadUnaligned(fromByteOffset: offset, as: T.self)
            return dtype.bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
        }
        switch (dtype.kind, dtype.size) {
        case (.bool, _): return data[offset] == 0 ? "0" : "1"
        case (.signed, 1): return String(load(Int8.self))
        case (.signed, 2): return String(load(Int16.self))
        case (.signed, 4): return String(load(Int32.self))
        case (.signed, _): return String(load(Int64.self))
        case (.unsigned, 1): return String(load(UInt8.self))
        case (.unsigned, 2): return String(load(UInt16.self))
        case (.unsigned, 4): return String(load(UInt32.self))
        default: return String(load(UInt64.self))
        }
    }

    /// Element `index` of a text array (storage order).
    private func string(at index: Int) throws -> String {
        let start = index * dtype.size
        if dtype.kind == .bytes {
            var end = start + dtype.size
            while end > start && data[end - 1] == 0 { end -= 1 }
            guard let text = String(validating: data[start..<end], as: UTF8.self) else {
                throw DNNError(.data, at: "\(location): element \(index)", "a string is not valid UTF-8")
            }
            return text
        }
        var scalars = String.UnicodeScalarView()
        for unit in 0..<(dtype.size / 4) {
            let raw = data.loadUnaligned(fromByteOffset: start + 4 * unit, as: UInt32.self)
            let code = dtype.bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
            if code == 0 { continue }
            guard let scalar = Unicode.Scalar(code) else {
                throw DNNError(.data, at: "\(location): element \(index)", "a string holds \(code), which is not a Unicode code point")
            }
            scalars.append(scalar)
        }
        // NumPy strips trailing NULs only; a NUL inside a string is kept by NumPy, dropped here.
        return String(scalars)
    }

    /// `values` (in Fortran storage order, first index fastest) in C order (last index fastest).
    static func cOrder<T>(_ values: [T], shape: [Int]) -> [T] {
        guard shape.count > 1, !values.isEmpty else { return values }
        var strides = [Int](repeating: 1, count: shape.count)  // C-order strides
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        var result = values
        var index = [Int](repeating: 0, count: shape.count)
        var target = 0
        for value in values {
            result[target] = value
            // Next storage position: the first axis runs fastest.
            for axis in 0..<shape.count {
                index[axis] += 1
                target += strides[axis]
                if index[axis] < shape[axis] { break }
                target -= strides[axis] * shape[axis]
                index[axis] = 0
            }
        }
        return result
    }
}
