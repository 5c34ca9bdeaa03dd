/// How a table's or dataset's feature values are held: 32-bit floats (CSV, IDX), one
/// byte per value (decoded images; uint8 arrays), or float32 values where a NumPy file
/// holds them (`MappedFloats`); a batch turns bytes and mapped floats into normalised
/// floats as it gathers them. Byte rows that are split or selected become `ByteRows`,
/// views of the one decoded buffer, never copies of it. Everything between reading and
/// batching (the split, the shard, the statistics) works on any of them through this one
/// value, so images cost a quarter of the memory of floats, a float32 `.npy` none, and
/// the rest of the pipeline never asks which it has.
public enum FeatureStorage: Sendable, Equatable {
    /// [rows, featureCount] floats, row-major.
    case floats([Float])
    /// [rows, featureCount] bytes, row-major: values 0...255.
    case bytes([UInt8])
    /// [rows, featureCount] floats as the file holds them (not normalised), not copied.
    case mapped(MappedFloats)
    /// Some rows of a byte buffer shared with other storages (a split of `bytes`).
    case byteRows(ByteRows)

    /// The number of values held.
    public var count: Int {
        switch self {
        case .floats(let values): values.count
        case .bytes(let values): values.count
        case .mapped(let mapped): mapped.rows * mapped.width
        case .byteRows(let rows): rows.rows * rows.width
        }
    }

    /// Bytes of memory the values take.
    public var memoryBytes: Int {
        switch self {
        case .floats(let values): 4 * values.count
        case .bytes(let values): values.count
        case .mapped(let mapped): mapped.memoryBytes
        case .byteRows(let rows): rows.memoryBytes
        }
    }

    /// The values as floats (a copy for bytes: for small data and tests, never the training path).
    public var floats: [Float] {
        switch self {
        case .floats(let values): values
        case .bytes(let values): values.map(Float.init)
        case .mapped(let mapped): mapped.floats
        case .byteRows(let rows): rows.contiguous.map(Float.init)
        }
    }

    /// The rows at `indices`, in that order, of rows `width` values wide.
    func rows(_ indices: [Int], width: Int) -> FeatureStorage {
        switch self {
        case .floats(let values): .floats(Self.rows(indices, of: values, width: width))
        case .bytes(let values): .byteRows(ByteRows(values, width: width, rowMap: indices))
        case .mapped(let mapped): .mapped(mapped.selecting(indices))
        case .byteRows(let rows): .byteRows(rows.selecting(indices))
        }
    }

    /// Keeps the rows `kept` (ascending) and drops the rest: float rows move to the front
    /// in place; byte rows and mapped rows are selected, not moved (a byte buffer may be
    /// shared with the rows `rows(_:width:)` took from it).
    mutating func compact(keeping kept: [Int], width: Int) {
        switch self {
        case .floats(var values):
            self = .floats([])
            Self.compact(&values, keeping: kept, width: width)
            self = .floats(values)
        case .bytes(let values):
            guard width > 0, kept.count < values.count / width else { return }
            self = .byteRows(ByteRows(values, width: width, rowMap: kept))
        case .mapped(let mapped):
            self = .mapped(mapped.selecting(kept))
        case .byteRows(let rows):
            self = .byteRows(rows.selecting(kept))
        }
    }

    /// Row `row` (`width` values) as normalised floats at `target`: the seam a batch
    /// gathers through. Float rows are already normalised and are copied; byte rows and
    /// mapped rows are normalised here, to the very floats a float table normalised in
    /// place would hold.
    @inline(__always)
    func gather(row: Int, width: Int, into target: UnsafeMutablePointer<Float>, normalization: Normalization) {
        switch self {
        case .floats(let values):
            values.withUnsafeBufferPointer { target.update(from: $0.baseAddress! + row * width, count: width) }
        case .bytes(let values):
            values.withUnsafeBufferPointer { normalization.expand($0.baseAddress! + row * width, count: width, into: target) }
        case .mapped(let mapped):
            normalization.expand(mapped.row(row), count: width, into: target)
        case .byteRows(let rows):
            rows.withRow(row) { normalization.expand($0, count: width, into: target) }
        }
    }

    /// Every row, normalised as `gather` gives it (a copy, for small data and tests).
    func normalizedFloats(width: Int, normalization: Normalization) -> [Float] {
        if case .floats(let values) = self { return values }
        let total = count
        return [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            if width > 0 {
                for row in 0..<(total / width) {
                    gather(row: row, width: width, into: buffer.baseAddress! + row * width, normalization: normalization)
                }
            }
            initialized = total
        }
    }

    /// Shows each row (`width` values) as floats as they are held, not normalised: float
    /// and mapped rows where they lie, byte rows converted one at a time.
    func forEachRow(width: Int, _ body: (Int, UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        guard width > 0 else { return }
        switch self {
        case .floats(let values):
            try values.withUnsafeBufferPointer { values in
                for row in 0..<(values.count / width) {
                    try body(row, UnsafeBufferPointer(rebasing: values[(row * width)..<((row + 1) * width)]))
                }
            }
        case .bytes, .byteRows:
            var converted = [Float](repeating: 0, count: width)
            for row in 0..<(count / width) {
                converted.withUnsafeMutableBufferPointer { gather(row: row, width: width, into: $0.baseAddress!, normalization: .none) }
                try converted.withUnsafeBufferPointer { try body(row, $0) }
            }
        case .mapped(let mapped):
            for row in 0..<mapped.rows { try body(row, UnsafeBufferPointer(start: mapped.row(row), count: width)) }
        }
    }

    static func rows<V>(_ indices: [Int], of values: [V], width: Int) -> [V] {
        var selected = [V]()
        selected.reserveCapacity(indices.count * width)
        for row in indices { selected += values[(row * width)..<((row + 1) * width)] }
        return selected
    }

    static func compact<V>(_ values: inout [V], keeping kept: [Int], width: Int) {
        guard width > 0 else { return }
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for (position, row) in kept.enumerated() where position != row {
                (base + position * width).update(from: base + row * width, count: width)
            }
        }
        values.removeLast(values.count - kept.count * width)
    }
}

extension FeatureStorage {
    /// Normalises float values in place (rows `featureCount` wide); byte values and mapped
    /// floats stay as they are, normalised later as they are gathered.
    mutating func normalizeFloats(_ normalization: Normalization, featureCount: Int) {
        guard case .floats(var values) = self else { return }
        self = .floats([])
        normalization.apply(to: &values, featureCount: featureCount)
        self = .floats(values)
    }
}
