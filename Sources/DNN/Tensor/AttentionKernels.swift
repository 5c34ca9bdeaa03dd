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
    /// A head's scores transposed, sᵀ [keys, queries] (row j, column i: key j against
    /// query i): each column i becomes `p = softmax(scale · s)` over the keys, in place,
    /// over the rows j ≤ i when `causal` (the others become exactly 0; rows past a
    /// column's block of queries are not read, so they may hold anything). Down columns,
    /// 16 queries to a Float vector, the largest score and the sum are lane-wise: a
    /// softmax along rows spent most of its time reducing each row's vector to one lane.
    static func attentionSoftmax(_ s: UnsafeMutablePointer<Self>, keys: Int, queries: Int, scale: Self,
                                 causal: Bool)
    /// The gradient through `attentionSoftmax`, in place of `dp` (both [keys, queries]):
    /// `ds = scale · p · (dp - Σⱼ dp · p)` per column (0 past the diagonal when `causal`).
    static func attentionSoftmaxBackward(_ p: UnsafePointer<Self>, _ dp: UnsafeMutablePointer<Self>, keys: Int,
                                         queries: Int, scale: Self, causal: Bool)
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

    public static func attentionSoftmax(_ s: UnsafeMutablePointer<Self>, keys: Int, queries: Int, scale: Self,
                                        causal: Bool) {
        let lanes = Vector.scalarCount
        var first = 0
        while first + lanes <= queries {
            softmaxColumns(s + first, first: first, keys: keys, queries: queries, scale: scale, causal: causal)
            first += lanes
        }
        for column in first..<queries {
            softmaxColumn(s + column, column: column, keys: keys, queries: queries, scale: scale, causal: causal)
        }
    }

    public static func attentionSoftmaxBackward(_ p: UnsafePointer<Self>, _ dp: UnsafeMutablePointer<Self>, keys: Int,
                                                queries: Int, scale: Self, causal: Bool) {
        let lanes = Vector.scalarCount
        var first = 0
        while first + lanes <= queries {
            softmaxBackwardColumns(p + first, dp + first, first: first, keys: keys, queries: queries, scale: scale,
                                   causal: causal)
            first += lanes
        }
        for column in first..<queries {
            softmaxBackwardColumn(p + column, dp + column, column: column, keys: keys, queries: queries, scale: scale,
                                  causal: causal)
        }
    }

    /// The keys that one vector of queries `first..<first+lanes` sees: all, or when
    /// causal those up to its last query; the rows from `first` on are the diagonal's,
    /// where lane l sees key j only if j ≤ first + l.
    @inline(__always) static func seenKeys(first: Int, keys: Int, causal: Bool) -> Int {
        causal ? Swift.min(keys, first + Vector.scalarCount) : keys
    }

    /// Key j's scores for the vector of queries from `first`, with `fill` in the lanes
    /// whose query comes before j (causal).
    @inline(__always) static func visible(_ v: Vector, key j: Int, first: Int, causal: Bool, fill: Self) -> Vector {
        causal && j > first ? lanesFrom(v, j - first, otherwise: fill) : v
    }

    /// `attentionSoftmax` on one vector of columns: the largest visible score per lane,
    /// then the exponentials and their sum, then the division, each a pass down the rows.
    /// Rows from `seenKeys` on are set to 0.
    @inline(__always) static func softmaxColumns(_ s: UnsafeMutablePointer<Self>, first: Int, keys: Int, queries: Int,
                                                 scale: Self, causal: Bool) {
        let used = seenKeys(first: first, keys: keys, causal: causal)
        var largest = Vector(repeating: -Self.infinity)
        for j in 0..<used {
            largest = lanewiseMaximum(largest, visible(load(s + j * queries), key: j, first: first, causal: causal,
                                                       fill: -Self.infinity))
        }
        var sums = Vector(repeating: 0)
        for j in 0..<used {
            let e = fusedExponential(scale * (load(s + j * queries) - largest))
            let kept = visible(e, key: j, first: first, causal: causal, fill: 0)
            store(kept, s + j * queries)
            sums += kept
        }
        let reciprocal = 1 / sums
        for j in 0..<used { store(load(s + j * queries) * reciprocal, s + j * queries) }
        let zero = Vector(repeating: 0)
        for j in used..<keys { store(zero, s + j * queries) }
    }

    /// `attentionSoftmax` on one column (queries past the last whole vector), with libm's exp.
    static func softmaxColumn(_ s: UnsafeMutablePointer<Self>, column: Int, keys: Int, queries: Int, scale: Self,
                              causal: Bool) {
        let used = causal ? Swift.min(keys, column + 1) : keys
        var largest = -Self.infinity
        for j in 0..<used where s[j * queries] > largest { largest = s[j * queries] }
        var total: Self = 0
        for j in 0..<used {
            let e = exp(scale * (s[j * queries] - largest))
            s[j * queries] = e
            total += e
        }
        let reciprocal = 1 / total
        for j in 0..<used { s[j * queries] *= reciprocal }
        for j in used..<keys { s[j * queries] = 0 }
    }

    /// `attentionSoftmaxBackward` on one vector of columns. dp past the diagonal may be
    /// anything (its product skipped those keys), so it is masked, not multiplied.
    @inline(__always) static func softmaxBackwardColumns(_ p: UnsafePointer<Self>, _ dp: UnsafeMutablePointer<Self>,
                                                         first: Int, keys: Int, queries: Int, scale: Self,
                                                         causal: Bool) {
        let used = seenKeys(first: first, keys: keys, causal: causal)
        var dots = Vector(repeating: 0)
        for j in 0..<used {
            dots += visible(load(p + j * queries) * load(dp + j * queries), key: j, first: first, causal: causal,
                            fill: 0)
        }
        for j in 0..<used {
            let ds = scale * load(p + j * queries) * (load(dp + j * queries) - dots)
            store(visible(ds, key: j, first: first, causal: causal, fill: 0), dp + j * queries)
        }
        let zero = Vector(repeating: 0)
        for j in used..<keys { store(zero, dp + j * queries) }
    }

    /// `attentionSoftmaxBackward` on one column.
    static func softmaxBackwardColumn(_ p: UnsafePointer<Self>, _ dp: UnsafeMutablePointer<Self>, column: Int,
                                      keys: Int, queries: Int, scale: Self, causal: Bool) {
        let used = causal ? Swift.min(keys, column + 1) : keys
        var dot: Self = 0
        for j in 0..<used { dot += p[j * queries] * dp[j * queries] }
        for j in 0..<used { dp[j * queries] = scale * p[j * queries] * (dp[j * queries] - dot) }
        for j in used..<keys { dp[j * queries] = 0 }
    }
}
