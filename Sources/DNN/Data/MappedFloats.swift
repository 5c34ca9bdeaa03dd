/// Float32 features left in the bytes they were read from, never copied: a C-order
/// little-endian float32 `.npy` mapped from its file (the contract: "memory-mapped, not
/// copied"), or the buffer a deflated `.npz` member was inflated into. The pages of a
/// mapped file are the kernel's page cache, so a dataset larger than the free memory
/// still trains (they are read again as the batches need them).
///
/// The values stay as they are in the file: a batch normalises each row as it gathers it
/// (`FeatureStorage.gather`), with the same float operations `Normalization.apply` would
/// have done in place. The validation split and `data.shard` select rows through
/// `rowMap` rather than moving them, so no row is ever written.
public final class MappedFloats: @unchecked Sendable {
    /// Every row of the source, `width` floats each.
    let values: UnsafeBufferPointer<Float>
    /// Floats per row.
    let width: Int
    /// Row i of this storage is row `rowMap[i]` of `values`; nil: the rows in order.
    let rowMap: [Int]?
    /// Keeps the mapping (or the inflated buffer) alive as long as any storage uses it.
    private let region: ByteRegion
    /// Whether `region` is a file's mapping (page cache), not memory of its own.
    let isFileBacked: Bool

    /// The floats of `data` (inside `region`), when they can be used where they lie:
    /// 4-byte aligned, `width` per row. Nil otherwise (the caller copies them).
    init?(region: ByteRegion, data: UnsafeRawBufferPointer, width: Int) {
        guard width > 0, let base = data.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0,
              data.count % (width * 4) == 0 else { return nil }
        values = UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: data.count / 4)
        self.width = width
        self.region = region
        isFileBacked = region.isMapping
        rowMap = nil
    }

    private init(_ source: MappedFloats, rowMap: [Int]) {
        values = source.values
        width = source.width
        region = source.region
        isFileBacked = source.isFileBacked
        self.rowMap = rowMap
    }

    /// The number of rows.
    var rows: Int { rowMap?.count ?? values.count / width }

    /// The start of row `row`.
    @inline(__always)
    func row(_ row: Int) -> UnsafePointer<Float> {
        values.baseAddress! + (rowMap?[row] ?? row) * width
    }

    /// The rows at `indices`, in that order, over the same bytes.
    func selecting(_ indices: [Int]) -> MappedFloats {
        MappedFloats(self, rowMap: rowMap.map { map in indices.map { map[$0] } } ?? indices)
    }

    /// Bytes of memory this storage holds of its own: the row map, plus the inflated
    /// buffer when it is not a file's mapping.
    var memoryBytes: Int {
        (rowMap?.count ?? 0) * MemoryLayout<Int>.stride + (isFileBacked ? 0 : values.count * 4)
    }

    /// The rows as a float array, in order (a copy: for small data, tests and export).
    var floats: [Float] {
        if rowMap == nil { return Array(values) }
        var copy = [Float]()
        copy.reserveCapacity(rows * width)
        for index in 0..<rows { copy += UnsafeBufferPointer(start: row(index), count: width) }
        return copy
    }

    /// Equal values in the same shape, wherever they lie.
    public static func == (lhs: MappedFloats, rhs: MappedFloats) -> Bool {
        guard lhs.width == rhs.width, lhs.rows == rhs.rows else { return false }
        return (0..<lhs.rows).allSatisfy { index in
            UnsafeBufferPointer(start: lhs.row(index), count: lhs.width).elementsEqual(
                UnsafeBufferPointer(start: rhs.row(index), count: rhs.width))
        }
    }
}

extension MappedFloats: Equatable {}
