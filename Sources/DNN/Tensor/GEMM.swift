/// The shape of a row-major matrix product `C[M, N] = op(A)[M, K] · op(B)[K, N]`.
///
/// `transposeA` means A is stored as [K, M] (so op(A) = Aᵀ), `transposeB` that B is
/// stored as [N, K]: the backward passes of linear and convolution layers multiply by
/// transposed operands without copying them first.
public struct GEMMShape: Sendable, Equatable {
    public var m: Int
    public var n: Int
    public var k: Int
    public var transposeA: Bool
    public var transposeB: Bool
    /// Row strides of the stored A, B and C.
    public var lda: Int
    public var ldb: Int
    public var ldc: Int

    /// A product of dense matrices; the row strides default to the stored widths.
    public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil) {
        self.m = m
        self.n = n
        self.k = k
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.lda = lda ?? (transposeA ? m : k)
        self.ldb = ldb ?? (transposeB ? k : n)
        self.ldc = ldc ?? n
    }
}

/// Matrix multiplication, the kernel behind linear and convolution layers.
public protocol MatrixKernels: KernelScalar {
    /// `C = alpha * op(A) · op(B) + beta * C` on row-major matrices; `beta == 0` never
    /// reads C. See `GEMM` for the algorithm.
    static func gemm(_ shape: GEMMShape, alpha: Self, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                     beta: Self, _ c: UnsafeMutablePointer<Self>, _ compute: Compute)
}

extension MatrixKernels {
    public static func gemm(_ shape: GEMMShape, alpha: Self, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                            beta: Self, _ c: UnsafeMutablePointer<Self>, _ compute: Compute) {
        GEMM<Self>.run(shape, alpha: alpha, a, b, beta: beta, c, compute)
    }
}

/// Packed, cache-blocked matrix multiplication (the BLIS design).
///
/// Loops, outermost first: column blocks of `NC` (jc), depth blocks of `KC` (pc; B's
/// block is packed into `NR`-wide panels), row blocks of `MC` (ic; A's block is packed
/// into `MR`-tall panels), then the `MR x NR` micro-kernel, which keeps its whole tile
/// of C in 24 vector registers and does one fused multiply-add per register per k.
/// Threads split C into disjoint tiles, so each element is summed by one thread in
/// the same order whatever the thread count.
enum GEMM<T: KernelScalar> {
    typealias V = T.Vector
    /// Rows of the micro-tile.
    static var mr: Int { 8 }
    /// Columns of the micro-tile: 3 vectors.
    static var nr: Int { 3 * V.scalarCount }
    static var lanes: Int { V.scalarCount }
    /// Depth of a packed block: an A micro-panel (MR x KC) stays in L1.
    static var kc: Int { 256 }
    /// Rows of a packed A block, which stays in L2.
    static var mc: Int { 96 }
    /// Columns of a packed B block.
    static var nc: Int { 64 * nr }

    static func run(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                    beta: T, _ c: UnsafeMutablePointer<T>, _ compute: Compute) {
        if s.m == 0 || s.n == 0 { return }
        if s.k == 0 {
            scale(s, beta: beta, c)
            return
        }
        // Small products are not worth waking a second thread for.
        let threads = s.m * s.n * s.k < 32_768 ? 1 : compute.threads
        let (rowParts, columnParts) = split(s, threads: threads)
        var jc = 0
        while jc < s.n {
            let ncb = Swift.min(nc, s.n - jc)
            let panels = (ncb + nr - 1) / nr
            var pc = 0
            while pc < s.k {
                let kcb = Swift.min(kc, s.k - pc)
                let blockBeta = pc == 0 ? beta : 1
                let packedB = compute.scratch(0, count: panels * kcb * nr, as: T.self)
                compute.parallelRanges(panels) { range in
                    for panel in range {
                        packB(s, b, row: pc, column: jc + panel * nr, depth: kcb,
                              width: Swift.min(nr, ncb - panel * nr), into: packedB + panel * kcb * nr)
                    }
                }
                compute.parallel(rowParts * columnParts) { task in
                    let rowPart = task / columnParts, columnPart = task % columnParts
                    let rowPanels = (s.m + mr - 1) / mr
                    let firstRow = rowPanels * rowPart / rowParts * mr
                    let endRow = Swift.min(s.m, rowPanels * (rowPart + 1) / rowParts * mr)
                    let firstPanel = panels * columnPart / columnParts
                    let endPanel = panels * (columnPart + 1) / columnParts
                    if firstRow >= endRow || firstPanel >= endPanel { return }
                    let packedA = compute.scratch(1 + task, count: mc * kcb, as: T.self)
                    var ic = firstRow
                    while ic < endRow {
                        let mcb = Swift.min(mc, endRow - ic)
                        var ir = 0
                        while ir < mcb {
                            packA(s, a, row: ic + ir, column: pc, depth: kcb,
                                  height: Swift.min(mr, mcb - ir), into: packedA + ir * kcb)
                            ir += mr
                        }
                        for panel in firstPanel..<endPanel {
                            let column = jc + panel * nr
                            let width = Swift.min(nr, ncb - panel * nr)
                            ir = 0
                            while ir < mcb {
                                let height = Swift.min(mr, mcb - ir)
                                let cTile = c + (ic + ir) * s.ldc + column
                                let aPanel = packedA + ir * kcb, bPanel = packedB + panel * kcb * nr
                                if height == mr && width == nr {
                                    kernel(depth: kcb, aPanel, bPanel, cTile, ldt: s.ldc, alpha: alpha, beta: blockBeta)
                                } else {
                                    edgeKernel(depth: kcb, aPanel, bPanel, cTile, ldc: s.ldc, height: height,
                                               width: width, alpha: alpha, beta: blockBeta)
                                }
                                ir += mr
                            }
                        }
                        ic += mcb
                    }
                }
                pc += kcb
            }
            jc += ncb
        }
    }

    /// Splits C's tiles over threads: by rows when there are enough rows, else by columns.
    private static func split(_ s: GEMMShape, threads: Int) -> (rows: Int, columns: Int) {
        if threads == 1 { return (1, 1) }
        let rowPanels = (s.m + mr - 1) / mr
        return rowPanels >= 2 * threads ? (threads, 1) : (1, threads)
    }

    /// `C = beta * C`, for an empty inner dimension.
    private static func scale(_ s: GEMMShape, beta: T, _ c: UnsafeMutablePointer<T>) {
        for i in 0..<s.m {
            for j in 0..<s.n { c[i * s.ldc + j] = beta == 0 ? 0 : beta * c[i * s.ldc + j] }
        }
    }

    /// Packs rows `row..<row+height` and columns `column..<column+depth` of op(A) as
    /// `depth` groups of `mr` scalars (zero-padded below `height`).
    @inline(__always)
    private static func packA(_ s: GEMMShape, _ a: UnsafePointer<T>, row: Int, column: Int, depth: Int,
                              height: Int, into packed: UnsafeMutablePointer<T>) {
        if height < mr { packed.update(repeating: 0, count: depth * mr) }
        if s.transposeA {
            // A is stored [K, M]: each k gives `height` consecutive scalars.
            for p in 0..<depth {
                let source = a + (column + p) * s.lda + row
                let target = packed + p * mr
                for r in 0..<height { target[r] = source[r] }
            }
        } else {
            for r in 0..<height {
                let source = a + (row + r) * s.lda + column
                for p in 0..<depth { packed[p * mr + r] = source[p] }
            }
        }
    }

    /// Packs rows `row..<row+depth` and columns `column..<column+width` of op(B) as
    /// `depth` groups of `nr` scalars (zero-padded right of `width`).
    @inline(__always)
    private static func packB(_ s: GEMMShape, _ b: UnsafePointer<T>, row: Int, column: Int, depth: Int,
                              width: Int, into packed: UnsafeMutablePointer<T>) {
        if width < nr { packed.update(repeating: 0, count: depth * nr) }
        if s.transposeB {
            // B is stored [N, K]: column j of op(B) is a contiguous row of B.
            for j in 0..<width {
                let source = b + (column + j) * s.ldb + row
                for p in 0..<depth { packed[p * nr + j] = source[p] }
            }
        } else {
            for p in 0..<depth {
                (packed + p * nr).update(from: b + (row + p) * s.ldb + column, count: width)
            }
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<T>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    /// `tile = alpha * acc + beta * tile` for one vector; beta == 0 never reads the tile,
    /// so uninitialised output may hold anything, as in BLAS.
    @inline(__always)
    private static func store(_ acc: V, _ tile: UnsafeMutablePointer<T>, _ alpha: T, _ beta: T) {
        var result = alpha == 1 ? acc : acc * alpha
        if beta != 0 { result.addProduct(V(repeating: beta), load(tile)) }
        UnsafeMutableRawPointer(tile).storeBytes(of: result, as: V.self)
    }

    /// The 8 x 3-vector micro-kernel: `tile = alpha * (a · b) + beta * tile`, where `a` is
    /// a packed [depth, mr] panel and `b` a packed [depth, nr] panel.
    @inline(__always)
    private static func kernel(depth: Int, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                               _ tile: UnsafeMutablePointer<T>, ldt: Int, alpha: T, beta: T) {
        let mr = 8, nr = Self.nr, lanes = Self.lanes
        var c00 = V(), c01 = V(), c02 = V()
        var c10 = V(), c11 = V(), c12 = V()
        var c20 = V(), c21 = V(), c22 = V()
        var c30 = V(), c31 = V(), c32 = V()
        var c40 = V(), c41 = V(), c42 = V()
        var c50 = V(), c51 = V(), c52 = V()
        var c60 = V(), c61 = V(), c62 = V()
        var c70 = V(), c71 = V(), c72 = V()
        for p in 0..<depth {
            let b0 = load(b + (p &* nr &+ 0 &* lanes))
            let b1 = load(b + (p &* nr &+ 1 &* lanes))
            let b2 = load(b + (p &* nr &+ 2 &* lanes))
            let a0 = V(repeating: a[p &* mr &+ 0])
            c00.addProduct(a0, b0); c01.addProduct(a0, b1); c02.addProduct(a0, b2)
            let a1 = V(repeating: a[p &* mr &+ 1])
            c10.addProduct(a1, b0); c11.addProduct(a1, b1); c12.addProduct(a1, b2)
            let a2 = V(repeating: a[p &* mr &+ 2])
            c20.addProduct(a2, b0); c21.addProduct(a2, b1); c22.addProduct(a2, b2)
            let a3 = V(repeating: a[p &* mr &+ 3])
            c30.addProduct(a3, b0); c31.addProduct(a3, b1); c32.addProduct(a3, b2)
            let a4 = V(repeating: a[p &* mr &+ 4])
            c40.addProduct(a4, b0); c41.addProduct(a4, b1); c42.addProduct(a4, b2)
            let a5 = V(repeating: a[p &* mr &+ 5])
            c50.addProduct(a5, b0); c51.addProduct(a5, b1); c52.addProduct(a5, b2)
            let a6 = V(repeating: a[p &* mr &+ 6])
            c60.addProduct(a6, b0); c61.addProduct(a6, b1); c62.addProduct(a6, b2)
            let a7 = V(repeating: a[p &* mr &+ 7])
            c70.addProduct(a7, b0); c71.addProduct(a7, b1); c72.addProduct(a7, b2)
        }
        store(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c01, tile + (0 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c02, tile + (0 &* ldt &+ 2 &* lanes), alpha, beta)
        store(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c11, tile + (1 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c12, tile + (1 &* ldt &+ 2 &* lanes), alpha, beta)
        store(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c21, tile + (2 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c22, tile + (2 &* ldt &+ 2 &* lanes), alpha, beta)
        store(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c31, tile + (3 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c32, tile + (3 &* ldt &+ 2 &* lanes), alpha, beta)
        store(c40, tile + (4 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c41, tile + (4 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c42, tile + (4 &* ldt &+ 2 &* lanes), alpha, beta)
        store(c50, tile + (5 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c51, tile + (5 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c52, tile + (5 &* ldt &+ 2 &* lanes), alpha, beta)
        store(c60, tile + (6 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c61, tile + (6 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c62, tile + (6 &* ldt &+ 2 &* lanes), alpha, beta)
        store(c70, tile + (7 &* ldt &+ 0 &* lanes), alpha, beta)
        store(c71, tile + (7 &* ldt &+ 1 &* lanes), alpha, beta)
        store(c72, tile + (7 &* ldt &+ 2 &* lanes), alpha, beta)
    }

    /// A partial tile at the right or bottom edge of C: the full micro-kernel into a
    /// stack buffer, then the valid `height x width` part into C.
    private static func edgeKernel(depth: Int, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                   _ c: UnsafeMutablePointer<T>, ldc: Int, height: Int, width: Int,
                                   alpha: T, beta: T) {
        withUnsafeTemporaryAllocation(of: T.self, capacity: mr * nr) { buffer in
            let tile = buffer.baseAddress!
            kernel(depth: depth, a, b, tile, ldt: nr, alpha: alpha, beta: 0)
            for r in 0..<height {
                for j in 0..<width {
                    let target = c + r * ldc + j
                    target.pointee = beta == 0 ? tile[r * nr + j] : tile[r * nr + j] + beta * target.pointee
                }
            }
        }
    }
}
