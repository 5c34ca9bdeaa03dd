/// How a table's or dataset's feature values are held: 32-bit floats (CSV, IDX), or one
/// byte per value (decoded images; uint8 arrays), which a batch turns into normalised
/// floats as it gathers them. Everything between reading and batching (the split, the
/// shard, the statistics) works on either through this one value, so images cost a
/// quarter of the memory of floats and the rest of the pipeline never asks which it has.
public enum FeatureStorage: Sendable, Equatable {
    /// [rows, featureCount] floats, row-major.
    case floats([Float])
    /// [rows, featureCount] bytes, row-major: values 0...255.
    case bytes([UInt8])

    /// The number of values held.
    public var count: Int {
        switch self {
        case .floats(let values): values.count
        case .bytes(let values): values.count
        }
    }

    /// Bytes of memory the values take.
    public var memoryBytes: Int {
        switch self {
        case .floats(let values): 4 * values.count
        case .bytes(let values): values.count
        }
    }

    /// The values as floats (a copy for bytes: for small data and tests, never the training path).
    public var floats: [Float] {
        switch self {
        case .floats(let values): values
        case .bytes(let values): values.map(Float.init)
        }
    }

    /// The rows at `indices`, in that order, of rows `width` values wide.
    func rows(_ indices: [Int], width: Int) -> FeatureStorage {
        switch self {
        case .floats(let values): .floats(Self.rows(indices, of: values, width: width))
        case .bytes(let values): .bytes(Self.rows(indices, of: values, width: width))
        }
    }

    /// Moves the rows `kept` (ascending) to the front, in place, and drops the rest.
    mutating func compact(keeping kept: [Int], width: Int) {
        switch self {
        case .floats(var values):
            self = .floats([])
            Self.compact(&values, keeping: kept, width: width)
            self = .floats(values)
        case .bytes(var values):
            self = .bytes([])
            Self.compact(&values, keeping: kept, width: width)
            self = .bytes(values)
        }
    }

    /// Row `row` (`width` values) as normalised floats at `target`: the seam a batch
    /// gathers through. Float rows are already normalised and are copied; byte rows are
    /// normalised here, to the very floats a float table normalised in place would hold.
    @inline(__always)
    func gather(row: Int, width: Int, into target: UnsafeMutablePointer<Float>, normalization: Normalization) {
        switch self {
        case .floats(let values):
            values.withUnsafeBufferPointer { target.update(from: $0.baseAddress! + row * width, count: width) }
        case .bytes(let values):
            values.withUnsafeBufferPointer { normalization.expand($0.baseAddress! + row * width, count: width, into: target) }
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
    /// Normalises float values in place (rows `featureCount` wide); byte values stay as
    /// they are, normalised later as they are gathered.
    mutating func normalizeFloats(_ normalization: Normalization, featureCount: Int) {
        guard case .floats(var values) = self else { return }
        self = .floats([])
        normalization.apply(to: &values, featureCount: featureCount)
        self = .floats(values)
    }
}
