/// The loops of the sequence layers that are not matrix products: the embedding lookup
/// and its scatter, and the attention softmax with its scaling and causal mask.
public protocol AttentionKernels: KernelScalar {
    /// `y[r, :] = table[ids[r], :]` for r in 0..<rows (table [vocab, dim], y [rows, dim]);
    /// an id is rounded to the nearest integer, and one outside [0, vocab) gives a row of
    /// zeros (data is checked before it gets here: `Embedding.firstInvalidId`).
    static func embeddingGather(_ ids: UnsafePointer<Self>, rows: Int, table: UnsafePointer<Self>, vocab: Int,
                                dim: Int, into y: UnsafeMutablePointer<Self>)
    /// `dTable[ids[r], :] += dy[r, :]`, in row order (one thread: rows may share an id).
    static func embeddingScatter(_ dy: UnsafePointer<Self>, _ ids: UnsafePointer<Self>, rows: Int, vocab: Int,
                                 dim: Int, into dTable: UnsafeMutablePointer<Self>)
    /// `target[c·rows + r] = source[r·sourceStride + c]`: one head's keys or values,
    /// [T, d] inside the [T, 3F] projections, as a dense [d, T] matrix, so that the score
    /// products of all its row blocks read it in place instead of each packing a transpose.
    static func transposeHead(_ source: UnsafePointer<Self>, rows: Int, columns: Int, sourceStride: Int,
                              into target: UnsafeMutablePointer<Self>)
    /// Each row i of the `rows x columns` score block: `p = softmax(scale · s)`, in place,
    /// over the columns j ≤ i when `causal` (the others become exactly 0).
    static func attentionSoftmax(_ s: UnsafeMutablePointer<Self>, rows: Int, columns: Int, scale: Self,
                                 causal: Bool)
    /// The gradient through `attentionSoftmax`, in place of `dp`:
    /// `ds = scale · p · (dp - Σⱼ dp · p)` per row (0 past the diagonal when `causal`).
    static func attentionSoftmaxBackward(_ p: UnsafePointer<Self>, _ dp: UnsafeMutablePointer<Self>, rows: Int,
                                         columns: Int, scale: Self, causal: Bool)
}

extension AttentionKernels {
    /// The table row of one id (rounded), or nil outside [0, vocab).
    @inline(__always) static func embeddingRow(_ id: Self, vocab: Int) -> Int? {
        let nearest = id.rounded()
        guard nearest >= 0, nearest < Self(vocab) else { return nil }
        return Int(nearest)
    }

    public static func embeddingGather(_ ids: UnsafePointer<Self>, rows: Int, table: UnsafePointer<Self>, vocab: Int,
                                       dim: Int, into y: UnsafeMutablePointer<Self>) {
        for r in 0..<rows {
            let target = y + r * dim
            guard let row = embeddingRow(ids[r], vocab: vocab) else {
                for j in 0..<dim { target[j] = 0 }
                continue
            }
            let source = table + row * dim
            for j in 0..<dim { target[j] = source[j] }
        }
    }

    public static func embeddingScatter(_ dy: UnsafePointer<Self>, _ ids: UnsafePointer<Self>, rows: Int, vocab: Int,
                                        dim: Int, into dTable: UnsafeMutablePointer<Self>) {
        for r in 0..<rows {
            guard let row = embeddingRow(ids[r], vocab: vocab) else { continue }
            let source = dy + r * dim, target = dTable + row * dim
            for j in 0..<dim { target[j] += source[j] }
        }
    }

    public static func transposeHead(_ source: UnsafePointer<Self>, rows: Int, columns: Int, sourceStride: Int,
                                     into target: UnsafeMutablePointer<Self>) {
        transpose(source, rows: rows, columns: columns, sourceStride: sourceStride, into: target, targetStride: rows)
    }

    public static func attentionSoftmax(_ s: UnsafeMutablePointer<Self>, rows: Int, columns: Int, scale: Self,
                                        causal: Bool) {
        for i in 0..<rows {
            let row = s + i * columns
            let used = causal ? Swift.min(i + 1, columns) : columns
            let covered = coveredColumns(used, columns: columns)
            let largest = largestValue(row, used: used, covered: covered)
            let total = scaledExponentials(row, used: used, covered: covered, scale: scale, shift: largest)
            let written = Swift.max(used, covered)
            scaleInPlace(row, count: written, by: 1 / total)
            for j in written..<columns { row[j] = 0 }
        }
    }

    public static func attentionSoftmaxBackward(_ p: UnsafePointer<Self>, _ dp: UnsafeMutablePointer<Self>, rows: Int,
                                                columns: Int, scale: Self, causal: Bool) {
        let lanes = Vector.scalarCount
        for i in 0..<rows {
            let pRow = p + i * columns, dRow = dp + i * columns
            // p is 0 past the diagonal of a causal block, and so is ds; dp there may be
            // anything (its product skipped those columns), so it is masked, not multiplied.
            let used = causal ? Swift.min(i + 1, columns) : columns
            let covered = coveredColumns(used, columns: columns)
            var dots = Vector(repeating: 0)
            var j = 0
            while j < covered {
                let terms = load(pRow + j) * load(dRow + j)
                dots += j + lanes > used ? firstLanes(terms, used - j, otherwise: 0) : terms
                j += lanes
            }
            var dot = laneTotal(dots)
            for k in Swift.min(covered, used)..<used { dot += pRow[k] * dRow[k] }
            j = 0
            let dotVector = Vector(repeating: dot)
            while j < covered {
                let ds = scale * load(pRow + j) * (load(dRow + j) - dotVector)
                store(j + lanes > used ? firstLanes(ds, used - j, otherwise: 0) : ds, dRow + j)
                j += lanes
            }
            for k in Swift.min(covered, used)..<used { dRow[k] = scale * pRow[k] * (dRow[k] - dot) }
            for k in Swift.max(used, covered)..<columns { dRow[k] = 0 }
        }
    }

    /// The columns of a row that whole vectors cover: the `used` ones rounded up to a
    /// whole vector (its extra lanes masked), but no vector past the row's end, so that
    /// a row whose width is not whole vectors ends in a scalar tail (`covered < used`).
    @inline(__always) static func coveredColumns(_ used: Int, columns: Int) -> Int {
        let lanes = Vector.scalarCount
        return Swift.min((used + lanes - 1) / lanes * lanes, columns / lanes * lanes)
    }

    /// The largest of `row[0..<used]` that is not NaN (-∞ when there is none), a vector
    /// at a time over the `covered` columns (the lanes past `used` masked to -∞): a lane
    /// takes a value only where it is larger, so a NaN never enters. (The scalar loop
    /// `largest = max(largest, row[j])` took 40% of the attention softmax.) Only the sign
    /// of a zero maximum may differ from that loop, and `e^(scale·(x - ±0))` is the same.
    @inline(__always) static func largestValue(_ row: UnsafePointer<Self>, used: Int, covered: Int) -> Self {
        let lanes = Vector.scalarCount
        var lanesLargest = Vector(repeating: -Self.infinity)
        var j = 0
        while j < covered {
            let v = load(row + j)
            let candidates = j + lanes > used ? firstLanes(v, used - j, otherwise: -Self.infinity) : v
            lanesLargest = lanewiseMaximum(lanesLargest, candidates)
            j += lanes
        }
        var largest = covered > 0 ? largestLane(lanesLargest) : -Self.infinity
        for k in Swift.min(covered, used)..<used { largest = Swift.max(largest, row[k]) }
        return largest
    }

    /// `row[j] = e^(scale·(row[j] - shift))` for j < used, and 0 for the masked lanes of
    /// the last covered vector, returning their sum: whole vectors with `exponential`
    /// (the causal rows' part-used last vector too: their libm tails were a quarter of
    /// the softmax), then any scalar tail.
    @inline(__always) static func scaledExponentials(_ row: UnsafeMutablePointer<Self>, used: Int, covered: Int,
                                                     scale: Self, shift: Self) -> Self {
        let lanes = Vector.scalarCount, shiftVector = Vector(repeating: shift)
        var sums = Vector(repeating: 0)
        var j = 0
        while j < covered {
            let e = exponential(scale * (load(row + j) - shiftVector))
            let kept = j + lanes > used ? firstLanes(e, used - j, otherwise: 0) : e
            store(kept, row + j)
            sums += kept
            j += lanes
        }
        var total = laneTotal(sums)
        for k in Swift.min(covered, used)..<used {
            let e = exp(scale * (row[k] - shift))
            row[k] = e
            total += e
        }
        return total
    }
}
