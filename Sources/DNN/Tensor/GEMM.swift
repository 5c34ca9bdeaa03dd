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
/// Threads split C into disjoint blocks (by columns when C is wider than tall, so that
/// the duplicated packing is the smaller operand's, else by rows) and each works alone,
/// with one synchronisation per product. Within a block, loops outermost first: column
/// blocks of `NC` (jc); depth blocks of `KC` (pc), for which B's block is packed into
/// `NR`-wide panels (KC·NC scalars, kept in L2); rows in steps of `MR` (ir), whose
/// `MR x KC` panel of A is packed once and stays in L1 while the micro-kernel sweeps it
/// across every B panel (jr). The `MR x NR` micro-kernel keeps its tile of C in 24 vector
/// registers and does one fused multiply-add per register per k. Each element of C is
/// summed by one thread in the same order whatever the thread count.
enum GEMM<T: KernelScalar> {
    typealias V = T.Vector
    /// Rows of the micro-tile.
    static var mr: Int { 8 }
    /// Columns of the micro-tile: 3 vectors.
    static var nr: Int { 3 * V.scalarCount }
    static var lanes: Int { V.scalarCount }
    /// Depth of a packed block: an A micro-panel (MR x KC, 8 KB in Float) stays in L1.
    static var kc: Int { 256 }
    /// At most this many columns in a packed B block (KC x NC: 480 KB in Float, in L2).
    static var nc: Int { 10 * nr }

    static func run(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                    beta: T, _ c: UnsafeMutablePointer<T>, _ compute: Compute) {
        if s.m == 0 || s.n == 0 { return }
        if s.k == 0 {
            scale(s, beta: beta, c)
            return
        }
        // Small products are not worth waking a second thread for.
        let rowPanels = (s.m + mr - 1) / mr, columnPanels = (s.n + nr - 1) / nr
        let splitColumns = s.n > s.m
        let units = splitColumns ? columnPanels : rowPanels
        let tasks = s.m * s.n * s.k < 65_536 ? 1 : Swift.min(compute.threads, units)
        let scratch = kc * (nc + mr)
        if tasks == 1 {
            block(s, alpha: alpha, a, b, beta: beta, c, rows: 0..<s.m, columns: 0..<s.n,
                  scratch: compute.scratch(1, count: scratch, as: T.self))
            return
        }
        for task in 0..<tasks { _ = compute.scratch(1 + task, count: scratch, as: T.self) }
        compute.parallel(tasks) { task in
            let first = units * task / tasks, end = units * (task + 1) / tasks
            let rows = splitColumns ? 0..<s.m : (first * mr)..<Swift.min(s.m, end * mr)
            let columns = splitColumns ? (first * nr)..<Swift.min(s.n, end * nr) : 0..<s.n
            block(s, alpha: alpha, a, b, beta: beta, c, rows: rows, columns: columns,
                  scratch: compute.scratch(1 + task, count: scratch, as: T.self))
        }
    }

    /// C[rows, columns] on one thread, with `scratch` for KC·(NC + MR) packed scalars.
    private static func block(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, beta: T,
                              _ c: UnsafeMutablePointer<T>, rows: Range<Int>, columns: Range<Int>,
                              scratch: UnsafeMutablePointer<T>) {
        let packedA = scratch, packedB = scratch + kc * mr
        // Equal column blocks of at most NC, in whole panels.
        let columnBlocks = (columns.count + nc - 1) / nc
        let blockWidth = ((columns.count + columnBlocks - 1) / columnBlocks + nr - 1) / nr * nr
        var jc = columns.lowerBound
        while jc < columns.upperBound {
            let ncb = Swift.min(blockWidth, columns.upperBound - jc)
            let panels = (ncb + nr - 1) / nr
            var pc = 0
            while pc < s.k {
                let kcb = Swift.min(kc, s.k - pc)
                let blockBeta = pc == 0 ? beta : 1
                for panel in 0..<panels {
                    packB(s, b, row: pc, column: jc + panel * nr, depth: kcb,
                          width: Swift.min(nr, ncb - panel * nr), into: packedB + panel * kcb * nr)
                }
                var row = rows.lowerBound
                while row < rows.upperBound {
                    let height = Swift.min(mr, rows.upperBound - row)
                    packA(s, a, row: row, column: pc, depth: kcb, height: height, into: packedA)
                    for panel in 0..<panels {
                        let width = Swift.min(nr, ncb - panel * nr)
                        let cTile = c + row * s.ldc + jc + panel * nr
                        let bPanel = packedB + panel * kcb * nr
                        if height == mr && width == nr {
                            kernel(depth: kcb, packedA, bPanel, cTile, ldt: s.ldc, alpha: alpha, beta: blockBeta)
                        } else {
                            edgeKernel(depth: kcb, packedA, bPanel, cTile, ldc: s.ldc, height: height,
                                       width: width, alpha: alpha, beta: blockBeta)
                        }
                    }
                    row += mr
                }
                pc += kcb
            }
            jc += ncb
        }
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
        } else if height == mr {
            // Eight row streams in, one contiguous stream out (wrapping arithmetic: no
            // overflow checks in the innermost loop).
            let base = a + row * s.lda + column, lda = s.lda
            var p = 0
            while p < depth {
                let source = base + p, target = packed + p &* 8
                target[0] = source[0]
                target[1] = source[lda]
                target[2] = source[2 &* lda]
                target[3] = source[3 &* lda]
                target[4] = source[4 &* lda]
                target[5] = source[5 &* lda]
                target[6] = source[6 &* lda]
                target[7] = source[7 &* lda]
                p &+= 1
            }
        } else {
            for r in 0..<height {
                let source = a + (row + r) * s.lda + column
                for p in 0..<depth { packed[p &* mr &+ r] = source[p] }
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
            // B is stored [N, K]: column j of op(B) is a contiguous row of B. Transpose in
            // chunks of 16 k, so that both the rows read and the panel written stay in L1.
            var p0 = 0
            while p0 < depth {
                let chunk = Swift.min(16, depth - p0)
                for j in 0..<width {
                    let source = b + (column + j) * s.ldb + row + p0
                    let target = packed + p0 * nr + j
                    var t = 0
                    while t < chunk {
                        target[t &* nr] = source[t]
                        t &+= 1
                    }
                }
                p0 += 16
            }
        } else {
            if width == nr {
                for p in 0..<depth {
                    let source = b + (row + p) * s.ldb + column, target = packed + p * nr
                    T.store(T.load(source), target)
                    T.store(T.load(source + lanes), target + lanes)
                    T.store(T.load(source + 2 * lanes), target + 2 * lanes)
                }
            } else {
                for p in 0..<depth {
                    let source = b + (row + p) * s.ldb + column, target = packed + p * nr
                    for j in 0..<width { target[j] = source[j] }
                }
            }
        }
    }

    /// `tile = alpha * acc + beta * tile` for one vector; beta == 0 never reads the tile,
    /// so uninitialised output may hold anything, as in BLAS.
    @inline(__always)
    private static func storeTile(_ acc: V, _ tile: UnsafeMutablePointer<T>, _ alpha: T, _ beta: T) {
        var result = alpha == 1 ? acc : acc * alpha
        if beta != 0 { result.addProduct(V(repeating: beta), T.load(tile)) }
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
            let b0 = T.load(b + (p &* nr &+ 0 &* lanes))
            let b1 = T.load(b + (p &* nr &+ 1 &* lanes))
            let b2 = T.load(b + (p &* nr &+ 2 &* lanes))
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
        storeTile(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c01, tile + (0 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c02, tile + (0 &* ldt &+ 2 &* lanes), alpha, beta)
        storeTile(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c11, tile + (1 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c12, tile + (1 &* ldt &+ 2 &* lanes), alpha, beta)
        storeTile(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c21, tile + (2 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c22, tile + (2 &* ldt &+ 2 &* lanes), alpha, beta)
        storeTile(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c31, tile + (3 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c32, tile + (3 &* ldt &+ 2 &* lanes), alpha, beta)
        storeTile(c40, tile + (4 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c41, tile + (4 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c42, tile + (4 &* ldt &+ 2 &* lanes), alpha, beta)
        storeTile(c50, tile + (5 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c51, tile + (5 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c52, tile + (5 &* ldt &+ 2 &* lanes), alpha, beta)
        storeTile(c60, tile + (6 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c61, tile + (6 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c62, tile + (6 &* ldt &+ 2 &* lanes), alpha, beta)
        storeTile(c70, tile + (7 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c71, tile + (7 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c72, tile + (7 &* ldt &+ 2 &* lanes), alpha, beta)
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
