/// Some rows of a byte buffer that other storages share (decoded images): what the
/// validation split and `data.shard` make of a byte table, so that the training rows and
/// the validation rows are both views of the one buffer the images were decoded into,
/// never copied out of it. (A Swift array shares its buffer between copies until one is
/// changed, and these never change it.) Keeps the whole buffer alive while any view does.
public struct ByteRows: Sendable, Equatable {
    /// Every row of the buffer, `width` bytes each.
    let values: [UInt8]
    /// Bytes per row.
    let width: Int
    /// Row i of this storage is row `rowMap[i]` of `values`.
    let rowMap: [Int]

    /// The rows `rowMap` of `values`.
    init(_ values: [UInt8], width: Int, rowMap: [Int]) {
        self.values = values
        self.width = width
        self.rowMap = rowMap
    }

    /// The number of rows.
    var rows: Int { rowMap.count }

    /// The rows at `indices` (of this view), in that order, over the same buffer.
    func selecting(_ indices: [Int]) -> ByteRows {
        ByteRows(values, width: width, rowMap: indices.map { rowMap[$0] })
    }

    /// Bytes of memory this view accounts for: its rows of the buffer, and its row map
    /// (views that split a buffer add up to it).
    var memoryBytes: Int { rows * (width + MemoryLayout<Int>.stride) }

    /// The rows in order as one byte array: a copy, unless the view is the whole buffer in
    /// order (then the buffer itself, shared). For export and small data.
    var contiguous: [UInt8] {
        // Every row of the buffer in its order (a whole split of decoded images): the buffer itself.
        if rows * width == values.count && rowMap.enumerated().allSatisfy({ $0.offset == $0.element }) { return values }
        var copy = [UInt8]()
        copy.reserveCapacity(rows * width)
        for row in rowMap { copy += values[(row * width)..<((row + 1) * width)] }
        return copy
    }

    /// Calls `body` with row `row`'s bytes.
    @inline(__always)
    func withRow<R>(_ row: Int, _ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { try body($0.baseAddress! + rowMap[row] * width) }
    }
}
