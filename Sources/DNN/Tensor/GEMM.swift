import CBFloat16
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
    /// Scalars that `packOperand` writes for the B of products of `shape`, or nil when B
    /// is wider than one packed block (such products pack their own).
    static func packedOperandCount(_ shape: GEMMShape) -> Int?
    /// Packs op(B) once for many products of `shape` that share it: a recurrent layer's
    /// W_hh, multiplied at each of its T steps, was packed T times.
    static func packOperand(_ shape: GEMMShape, _ b: UnsafePointer<Self>, into packed: UnsafeMutablePointer<Self>)
    /// `gemm` with B packed beforehand by `packOperand` for this shape (nil: not packed);
    /// `b` is B itself, for the paths that read it where it lies. The same bits as `gemm`.
    static func gemm(_ shape: GEMMShape, alpha: Self, _ a: UnsafePointer<Self>, packedB: UnsafePointer<Self>?,
                     _ b: UnsafePointer<Self>, beta: Self, _ c: UnsafeMutablePointer<Self>, _ compute: Compute)
}

extension MatrixKernels {
    public static func gemm(_ shape: GEMMShape, alpha: Self, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                            beta: Self, _ c: UnsafeMutablePointer<Self>, _ compute: Compute) {
        GEMM<Self>.run(shape, alpha: alpha, a, b, beta: beta, c, compute)
    }

    public static func packedOperandCount(_ shape: GEMMShape) -> Int? { GEMM<Self>.packedCount(shape) }

    public static func packOperand(_ shape: GEMMShape, _ b: UnsafePointer<Self>, into packed: UnsafeMutablePointer<Self>) {
        GEMM<Self>.pack(shape, b, into: packed)
    }

    public static func gemm(_ shape: GEMMShape, alpha: Self, _ a: UnsafePointer<Self>, packedB: UnsafePointer<Self>?,
                            _ b: UnsafePointer<Self>, beta: Self, _ c: UnsafeMutablePointer<Self>, _ compute: Compute) {
        if let packedB {
            GEMM<Self>.run(shape, alpha: alpha, a, packedB: packedB, b, beta: beta, c, compute)
        } else {
            GEMM<Self>.run(shape, alpha: alpha, a, b, beta: beta, c, compute)
        }
    }
}

/// Cache-blocked matrix multiplication in the BLIS design, with A read in place unless transposed.
///
/// Threads split C into disjoint blocks (by columns when C is wider than tall, else by
/// rows) and each works alone, with one synchronisation per product. Within a block,
/// loops outermost first: column blocks of at most `NC` (jc); depth blocks of `KC` (pc),
/// for which B's block is packed into `NR`-wide panels (KC·NC scalars, kept in L2); rows
/// in steps of `MR` (ir), whose `MR x KC` slice of A stays in L1 while the micro-kernel
/// sweeps it across every B panel (jr). A needs no packing: the micro-kernel broadcasts
/// its scalars from any row and depth stride; a transposed A is still copied into an
/// `MR x KC` slice (see `block`), whose rows `lda` apart would conflict in L1. B is
/// packed (row by row, prefetching), which is a cheap vector copy unless B is transposed;
/// a transposed B larger than A is avoided by computing `Cᵀ = op(B)ᵀ · op(A)ᵀ` and
/// transposing the (smaller) result.
/// The `MR x NR` micro-kernel keeps its tile of C in vector registers (8 x 3 zmm on
/// AVX-512, 6 x 2 ymm on AVX2, 8 x 3 q on NEON: the tile shape is chosen per instruction set
/// at compile time, see docs/kernels.md) and does one fused multiply-add per register per k. Each element of C is summed by one thread in
/// the same order whatever the thread count.
enum GEMM<T: KernelScalar> {
    /// The micro-kernel's vector: one register of the target's instruction set.
    typealias V = T.GEMMVector
    /// Columns of the micro-tile: `nrVectors` vectors (3, or 2 on AVX2: see the generated kernels).
    static var nr: Int { nrVectors * V.scalarCount }
    static var lanes: Int { V.scalarCount }
    /// Most depth of a block: the micro-kernel's slice of A (MR x KC, at most 12 KB in Float)
    /// stays in L1. The depth is split into equal blocks (k = 288 is one block of 288, not
    /// 256 + 32, whose short second pass would cost as much C traffic as the first).
    static var maxKC: Int { 384 }
    /// Scalars in a packed B block (KC x NC: 480 KB in Float, in L2).
    static var blockBudget: Int { 122_880 }

    /// The depth of each block for an inner dimension of `k`.
    static func kc(for k: Int) -> Int {
        let blocks = (k + maxKC - 1) / maxKC
        return (k + blocks - 1) / blocks
    }

    /// The most columns of a packed B block of depth `kc`: whole panels, at least one.
    static func nc(forDepth kc: Int) -> Int {
        Swift.max(1, blockBudget / kc / nr) * nr
    }

    static func run(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                    beta: T, _ c: UnsafeMutablePointer<T>, _ compute: Compute) {
        if s.m == 0 || s.n == 0 { return }
        if s.k == 0 {
            scale(s, beta: beta, c)
            return
        }
        if isSmallInPlace(s, compute) {
            smallInPlace(s, alpha: alpha, a, b, beta: beta, c)
            return
        }
        // Packing a transposed B costs n·k scalar moves; the swapped product packs op(A)
        // instead (m·k, nothing when A is already transposed) and transposes C (m·n).
        if isSwapped(s) {
            let swapped = GEMMShape(m: s.n, n: s.m, k: s.k, transposeA: false, transposeB: !s.transposeA,
                                    lda: s.ldb, ldb: s.lda, ldc: s.m)
            let product = compute.scratch(0, count: s.n * s.m, as: T.self)
            multiply(swapped, alpha: 1, b, a, beta: 0, product, compute)
            addTransposed(product, rows: s.n, columns: s.m, alpha: alpha, beta: beta, into: c, ldc: s.ldc, compute)
            return
        }
        multiply(s, alpha: alpha, a, b, beta: beta, c, compute)
    }

    /// Scalars of all of op(B) packed as `block` packs it (depth block after depth block),
    /// or nil when its columns need more than one block.
    static func packedCount(_ s: GEMMShape) -> Int? {
        guard s.n <= nc(forDepth: kc(for: s.k)) else { return nil }
        return s.k * ((s.n + nr - 1) / nr * nr)
    }

    /// Packs op(B) into `packed` (`packedCount` scalars): the depth block at row `pc` at
    /// `packed + pc · panels · nr`, each as `packB` writes it.
    static func pack(_ s: GEMMShape, _ b: UnsafePointer<T>, into packed: UnsafeMutablePointer<T>) {
        let kc = kc(for: s.k), panels = (s.n + nr - 1) / nr
        var pc = 0
        while pc < s.k {
            let kcb = Swift.min(kc, s.k - pc)
            packB(s, b, row: pc, column: 0, depth: kcb, width: s.n, skippingWholeVectors: false,
                  into: packed + pc * panels * nr)
            pc += kcb
        }
    }

    /// Whether `run` computes the product as `Cᵀ = op(B)ᵀ · op(A)ᵀ`: a transposed B larger
    /// than packing op(A) and transposing C.
    private static func isSwapped(_ s: GEMMShape) -> Bool {
        s.transposeB && s.n * s.k > (s.transposeA ? 0 : s.m * s.k) + s.m * s.n
    }

    /// `run` with B packed by `pack`. Threads split the rows (a column split would cut the
    /// packed panels); the products `run` sends elsewhere (empty, small and in place,
    /// swapped, or bf16) go there with B itself, so the bits are always `run`'s.
    static func run(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, packedB: UnsafePointer<T>, _ b: UnsafePointer<T>,
                    beta: T, _ c: UnsafeMutablePointer<T>, _ compute: Compute) {
        if s.m == 0 || s.n == 0 || s.k == 0 || isSmallInPlace(s, compute) || isSwapped(s)
            || (T.self == Float.self && compute.productPrecision == .bf16) || packedCount(s) == nil {
            run(s, alpha: alpha, a, b, beta: beta, c, compute)
            return
        }
        let rowPanels = (s.m + mr - 1) / mr
        let grain = s.m * s.n * s.k < 65_536 ? rowPanels : 1
        let kc = kc(for: s.k)
        compute.parallelRanges(rowPanels, grain: grain, scratch: kc * nc(forDepth: kc) + mr * kc, as: T.self) { range, scratch in
            let rows = (range.lowerBound * mr)..<Swift.min(s.m, range.upperBound * mr)
            block(s, alpha: alpha, a, b, beta: beta, c, rows: rows, columns: 0..<s.n, packedB: scratch,
                  prepackedB: packedB)
        }
    }

    /// The product without the swap: splits C over threads and runs `block` on each part.
    private static func multiply(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                 beta: T, _ c: UnsafeMutablePointer<T>, _ compute: Compute) {
        // Threads take whole row panels, or columns in whole vectors (not panels, whose
        // count rarely divides evenly: 11 panels of 512 columns would split 6 to 5).
        let rowPanels = (s.m + mr - 1) / mr, columnVectors = (s.n + lanes - 1) / lanes
        let splitColumns = s.n > s.m
        let units = splitColumns ? columnVectors : rowPanels
        // Small products are not worth waking a second thread for: one range of all units.
        let grain = s.m * s.n * s.k < 65_536 ? units : 1
        if T.self == Float.self && compute.productPrecision == .bf16 {
            BFloat16GEMM.multiply(s, alpha: alpha, a, b, beta: beta, c, units: units, grain: grain,
                                  splitColumns: splitColumns, rowsPerUnit: mr, lanes: lanes, compute)
            return
        }
        let kc = kc(for: s.k)
        // Per thread: a packed B block (KC x NC), then a packed slice of A (MR x KC).
        let scratch = kc * nc(forDepth: kc) + mr * kc
        compute.parallelRanges(units, grain: grain, scratch: scratch, as: T.self) { range, packedB in
            let rows = splitColumns ? 0..<s.m : (range.lowerBound * mr)..<Swift.min(s.m, range.upperBound * mr)
            let columns = splitColumns ? (range.lowerBound * lanes)..<Swift.min(s.n, range.upperBound * lanes) : 0..<s.n
            block(s, alpha: alpha, a, b, beta: beta, c, rows: rows, columns: columns, packedB: packedB)
        }
    }

    /// Up to this many rows, a block reads a non-transposed B where it lies instead of
    /// packing it: a panel packed for so few rows is copied about as often as the kernel
    /// reads it (the attention heads' products, 16 rows each, spent more time packing and
    /// zero-filling B than multiplying). Reading in place sums the same terms in the same
    /// order, so the results are the same bits.
    static var inPlaceRows: Int { 4 * mr }

    /// Whether `block` would read all of B in place in one depth block on one thread: few
    /// rows, a non-transposed B of whole vectors, k ≤ KC, small or single-threaded, and
    /// fp32. The attention heads' products are all of this kind, about 6,000 a step at
    /// gpt_tiny's size, and spent as long in `multiply`'s bookkeeping (block sizes,
    /// divisions, the thread split, scratch) as in a quarter of their arithmetic.
    @inline(__always)
    private static func isSmallInPlace(_ s: GEMMShape, _ compute: Compute) -> Bool {
        !s.transposeB && s.m <= inPlaceRows && s.k <= maxKC && s.n % lanes == 0
            && (compute.threads == 1 || s.m * s.n * s.k < 65_536)
            && !(T.self == Float.self && compute.productPrecision == .bf16)
    }

    /// `block`'s loops for an `isSmallInPlace` product: every tile of C by the kernel that
    /// fits it, reading A and B where they lie, so the same terms in the same order and
    /// the same bits as through `multiply`.
    private static func smallInPlace(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                     beta: T, _ c: UnsafeMutablePointer<T>) {
        let rowStep = s.transposeA ? 1 : s.lda, depthStep = s.transposeA ? s.lda : 1
        var row = 0
        while row < s.m {
            let height = Swift.min(mr, s.m - row)
            let aSlice = a + row * rowStep
            var column = 0
            while column < s.n {
                let width = Swift.min(nr, s.n - column)
                tile(depth: s.k, aSlice, rowStep: rowStep, depthStep: depthStep, height: height, b + column,
                     ldb: s.ldb, c + row * s.ldc + column, ldc: s.ldc, width: width, alpha: alpha, beta: beta)
                column += nr
            }
            row += mr
        }
    }

    /// One `height x width` tile of C from A's slice and B's panel: the micro-kernel for a
    /// whole `MR x NR` tile, the edge kernel otherwise.
    @inline(__always)
    private static func tile(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, height: Int,
                             _ b: UnsafePointer<T>, ldb: Int, _ c: UnsafeMutablePointer<T>, ldc: Int, width: Int,
                             alpha: T, beta: T) {
        if height == mr && width == nr {
            kernel(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: mr, b, ldb: ldb, c, ldt: ldc,
                   alpha: alpha, beta: beta)
        } else {
            edgeKernel(depth: depth, a, rowStep: rowStep, depthStep: depthStep, b, ldb: ldb, c, ldc: ldc,
                       height: height, width: width, alpha: alpha, beta: beta)
        }
    }

    /// C[rows, columns] on one thread, packing B's blocks into `packedB` (KC·NC scalars),
    /// or reading them from `prepackedB` (all of B, by `pack`; then `columns` is all of them).
    private static func block(_ s: GEMMShape, alpha: T, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, beta: T,
                              _ c: UnsafeMutablePointer<T>, rows: Range<Int>, columns: Range<Int>,
                              packedB: UnsafeMutablePointer<T>, prepackedB: UnsafePointer<T>? = nil) {
        // op(A)[r, p] sits at a[r·rowStep + p·depthStep].
        let rowStep = s.transposeA ? 1 : s.lda, depthStep = s.transposeA ? s.lda : 1
        let kc = kc(for: s.k), nc = nc(forDepth: kc)
        let inPlace = prepackedB == nil && !s.transposeB && rows.count <= inPlaceRows
        // A transposed is read a few scalars from each of `kc` rows `lda` apart; at lda = 512
        // Float (the MLP's dW) those rows fall in 2 of L1's 64 sets and evict each other, so
        // the slice is read from L2 once per B panel. Packed (mr x kc, contiguous) it stays in
        // L1, for one copy per `panels` reads. A not transposed is `mr` rows each read in order.
        let packsA = s.transposeA && (Swift.min(columns.count, nc) + nr - 1) / nr >= 4
        let packedA = packedB + kc * nc
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
                let packedBlock = prepackedB.map { $0 + pc * panels * nr } ?? UnsafePointer(packedB)
                if prepackedB == nil {
                    packB(s, b, row: pc, column: jc, depth: kcb, width: ncb, skippingWholeVectors: inPlace,
                          into: packedB)
                }
                var row = rows.lowerBound
                while row < rows.upperBound {
                    let height = Swift.min(mr, rows.upperBound - row)
                    var aSlice = a + row * rowStep + pc * depthStep
                    var aRowStep = rowStep, aDepthStep = depthStep
                    if packsA {
                        packA(aSlice, lda: s.lda, height: height, depth: kcb, into: packedA)
                        aSlice = UnsafePointer(packedA)
                        aRowStep = 1
                        aDepthStep = mr
                    }
                    for panel in 0..<panels {
                        let width = Swift.min(nr, ncb - panel * nr), column = jc + panel * nr
                        let readsInPlace = inPlace && width % lanes == 0
                        let bPanel = readsInPlace ? b + pc * s.ldb + column : packedBlock + panel * kcb * nr
                        tile(depth: kcb, aSlice, rowStep: aRowStep, depthStep: aDepthStep, height: height, bPanel,
                             ldb: readsInPlace ? s.ldb : packedStride(width), c + row * s.ldc + column, ldc: s.ldc,
                             width: width, alpha: alpha, beta: blockBeta)
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

    /// `C = alpha · productᵀ + beta · C` for a [rows, columns] product, in 32 x 32 tiles
    /// so that reads and writes both stay in cache.
    private static func addTransposed(_ product: UnsafePointer<T>, rows: Int, columns: Int, alpha: T, beta: T,
                                      into c: UnsafeMutablePointer<T>, ldc: Int, _ compute: Compute) {
        let tile = 32, copy = alpha == 1 && beta == 0
        compute.parallelRanges((columns + tile - 1) / tile) { tiles in
            for tileIndex in tiles {
                let i0 = tileIndex * tile, i1 = Swift.min(columns, i0 + tile)
                var j0 = 0
                while j0 < rows {
                    let j1 = Swift.min(rows, j0 + tile)
                    if copy {
                        // A plain transpose (the forward product of a linear layer).
                        T.transpose(product + j0 * columns + i0, rows: j1 - j0, columns: i1 - i0,
                                    sourceStride: columns, into: c + i0 * ldc + j0, targetStride: ldc)
                    } else {
                        for i in i0..<i1 {
                            let target = c + i * ldc
                            for j in j0..<j1 {
                                let value = alpha * product[j &* columns &+ i]
                                target[j] = beta == 0 ? value : value + beta * target[j]
                            }
                        }
                    }
                    j0 = j1
                }
            }
        }
    }

    /// The row stride of a packed panel `width` columns wide: whole vectors, so a narrow
    /// panel at the right edge is packed densely and not zero-filled to `nr`.
    @inline(__always)
    private static func packedStride(_ width: Int) -> Int {
        Swift.min(nr, (width + lanes - 1) / lanes * lanes)
    }

    /// Packs the `height x depth` slice of a transposed A at `a` (row r, depth p at
    /// `a[r + p·lda]`) as `depth` columns of `mr` scalars; rows beyond `height` are left
    /// unset (the kernels never read them).
    @inline(__always)
    private static func packA(_ a: UnsafePointer<T>, lda: Int, height: Int, depth: Int,
                              into packed: UnsafeMutablePointer<T>) {
        for p in 0..<depth {
            let source = a + p * lda, target = packed + p * mr
            for r in 0..<height { target[r] = source[r] }
        }
    }

    /// How many rows ahead `packB` prefetches B (4 to 16 measured the same on Zen 4).
    static var prefetchDistance: Int { 8 }

    /// Packs rows `row..<row+depth` and columns `column..<column+width` of op(B) as panels
    /// of `nr` columns, panel `i` at `packed + i·depth·nr` as `depth` rows of
    /// `packedStride(panelWidth)` scalars (zero-padded right of the panel's width). With
    /// `skippingWholeVectors`, panels of whole vectors are left out (read in place).
    private static func packB(_ s: GEMMShape, _ b: UnsafePointer<T>, row: Int, column: Int, depth: Int,
                              width: Int, skippingWholeVectors: Bool, into packed: UnsafeMutablePointer<T>) {
        let panels = (width + nr - 1) / nr
        if s.transposeB {
            // B is stored [N, K]: each panel is the transpose of its panelWidth x depth rows.
            for panel in 0..<panels {
                let panelWidth = Swift.min(nr, width - panel * nr), stride = packedStride(panelWidth)
                let target = packed + panel * depth * nr
                if panelWidth < stride { target.update(repeating: 0, count: depth * stride) }
                T.transpose(b + (column + panel * nr) * s.ldb + row, rows: panelWidth, columns: depth,
                            sourceStride: s.ldb, into: target, targetStride: stride)
            }
            return
        }
        // Row by row of B, not panel by panel: each row of the block is one contiguous read
        // that the hardware prefetcher follows, where a panel's read is `depth` lines in as many
        // rows (a B much larger than the caches, conv2's 288 x 12544, spent a third of its
        // product waiting on those lines).
        let wholePanels = width / nr, tail = width - wholePanels * nr
        let tailStride = packedStride(tail), tailVectors = tail / lanes
        let packsWhole = !skippingWholeVectors
        let packsTail = tail > 0 && !(skippingWholeVectors && tail % lanes == 0)
        // The lines of the row `prefetchDistance` rows ahead are asked for while this row is
        // copied: a row of the block is only ncb scalars, too short for the hardware
        // prefetcher to run ahead, and the next row is ldb away (conv2's B: 50 KB).
        let lineScalars = 64 / MemoryLayout<T>.stride
        for p in 0..<depth {
            let source = b + (row + p) * s.ldb + column
            if packsWhole {
                for panel in 0..<wholePanels {
                    let from = source + panel * nr, to = packed + panel * depth * nr + p * nr
                    if p + prefetchDistance < depth {
                        for line in Swift.stride(from: 0, to: nr, by: lineScalars) {
                            dnn_prefetch(from + prefetchDistance * s.ldb + line)
                        }
                    }
                    for v in 0..<nrVectors { store(load(from + v * lanes), to + v * lanes) }
                }
            }
            if packsTail {
                let from = source + wholePanels * nr, to = packed + wholePanels * depth * nr + p * tailStride
                for v in 0..<tailVectors { store(load(from + v * lanes), to + v * lanes) }
                for j in (tailVectors * lanes)..<tail { to[j] = from[j] }
                for j in tail..<tailStride { to[j] = 0 }
            }
        }
    }

    /// `tile = alpha * acc + beta * tile` for one vector; beta == 0 never reads the tile,
    /// so uninitialised output may hold anything, as in BLAS.
    @inline(__always)
    private static func storeTile(_ acc: V, _ tile: UnsafeMutablePointer<T>, _ alpha: T, _ beta: T) {
        var result = alpha == 1 ? acc : acc * alpha
        if beta != 0 { result.addProduct(V(repeating: beta), load(tile)) }
        store(result, tile)
    }

    /// Unaligned load and store of one micro-kernel vector.
    @inline(__always)
    private static func load(_ p: UnsafePointer<T>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<T>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    private static func store(_ v: V, _ p: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    // BEGIN GENERATED MICRO-KERNELS (tools/generate_gemm_kernels.py; edit the script, not this)
    #if arch(arm64) || DNN_VECTOR_BITS_512
    /// The micro-tile: 8 rows x 3 vectors = 24 accumulator registers.
    static var mr: Int { 8 }
    static var nrVectors: Int { 3 }

    /// The 8 x 3-vector micro-kernel: `tile = alpha * (A · B) + beta * tile`, where A's
    /// element (r, p) is `a[r·rowStep + p·depthStep]` and B's row p starts at `b + p·ldb`
    /// (a packed panel, or B itself where it is read in place).
    /// Rows at or beyond `rows` repeat row 0 (their results are discarded by the caller).
    @inline(__always)
    private static func kernel(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        let a4 = a + (rows > 4 ? 4 &* rowStep : 0)
        let a5 = a + (rows > 5 ? 5 &* rowStep : 0)
        let a6 = a + (rows > 6 ? 6 &* rowStep : 0)
        let a7 = a + (rows > 7 ? 7 &* rowStep : 0)
        var c00 = V(), c01 = V(), c02 = V()
        var c10 = V(), c11 = V(), c12 = V()
        var c20 = V(), c21 = V(), c22 = V()
        var c30 = V(), c31 = V(), c32 = V()
        var c40 = V(), c41 = V(), c42 = V()
        var c50 = V(), c51 = V(), c52 = V()
        var c60 = V(), c61 = V(), c62 = V()
        var c70 = V(), c71 = V(), c72 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let b1 = load(bp + 1 &* lanes)
            let b2 = load(bp + 2 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0); c01.addProduct(x0, b1); c02.addProduct(x0, b2)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0); c11.addProduct(x1, b1); c12.addProduct(x1, b2)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0); c21.addProduct(x2, b1); c22.addProduct(x2, b2)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0); c31.addProduct(x3, b1); c32.addProduct(x3, b2)
            let x4 = V(repeating: a4[q])
            c40.addProduct(x4, b0); c41.addProduct(x4, b1); c42.addProduct(x4, b2)
            let x5 = V(repeating: a5[q])
            c50.addProduct(x5, b0); c51.addProduct(x5, b1); c52.addProduct(x5, b2)
            let x6 = V(repeating: a6[q])
            c60.addProduct(x6, b0); c61.addProduct(x6, b1); c62.addProduct(x6, b2)
            let x7 = V(repeating: a7[q])
            c70.addProduct(x7, b0); c71.addProduct(x7, b1); c72.addProduct(x7, b2)
            q &+= depthStep
            bp += ldb
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

    /// The same with fewer vectors of columns, for the right edge of C.
    @inline(__always)
    private static func kernel2(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        let a4 = a + (rows > 4 ? 4 &* rowStep : 0)
        let a5 = a + (rows > 5 ? 5 &* rowStep : 0)
        let a6 = a + (rows > 6 ? 6 &* rowStep : 0)
        let a7 = a + (rows > 7 ? 7 &* rowStep : 0)
        var c00 = V(), c01 = V()
        var c10 = V(), c11 = V()
        var c20 = V(), c21 = V()
        var c30 = V(), c31 = V()
        var c40 = V(), c41 = V()
        var c50 = V(), c51 = V()
        var c60 = V(), c61 = V()
        var c70 = V(), c71 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let b1 = load(bp + 1 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0); c01.addProduct(x0, b1)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0); c11.addProduct(x1, b1)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0); c21.addProduct(x2, b1)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0); c31.addProduct(x3, b1)
            let x4 = V(repeating: a4[q])
            c40.addProduct(x4, b0); c41.addProduct(x4, b1)
            let x5 = V(repeating: a5[q])
            c50.addProduct(x5, b0); c51.addProduct(x5, b1)
            let x6 = V(repeating: a6[q])
            c60.addProduct(x6, b0); c61.addProduct(x6, b1)
            let x7 = V(repeating: a7[q])
            c70.addProduct(x7, b0); c71.addProduct(x7, b1)
            q &+= depthStep
            bp += ldb
        }
        storeTile(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c01, tile + (0 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c11, tile + (1 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c21, tile + (2 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c31, tile + (3 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c40, tile + (4 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c41, tile + (4 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c50, tile + (5 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c51, tile + (5 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c60, tile + (6 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c61, tile + (6 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c70, tile + (7 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c71, tile + (7 &* ldt &+ 1 &* lanes), alpha, beta)
    }

    @inline(__always)
    private static func kernel1(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        let a4 = a + (rows > 4 ? 4 &* rowStep : 0)
        let a5 = a + (rows > 5 ? 5 &* rowStep : 0)
        let a6 = a + (rows > 6 ? 6 &* rowStep : 0)
        let a7 = a + (rows > 7 ? 7 &* rowStep : 0)
        var c00 = V()
        var c10 = V()
        var c20 = V()
        var c30 = V()
        var c40 = V()
        var c50 = V()
        var c60 = V()
        var c70 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0)
            let x4 = V(repeating: a4[q])
            c40.addProduct(x4, b0)
            let x5 = V(repeating: a5[q])
            c50.addProduct(x5, b0)
            let x6 = V(repeating: a6[q])
            c60.addProduct(x6, b0)
            let x7 = V(repeating: a7[q])
            c70.addProduct(x7, b0)
            q &+= depthStep
            bp += ldb
        }
        storeTile(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c40, tile + (4 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c50, tile + (5 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c60, tile + (6 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c70, tile + (7 &* ldt &+ 0 &* lanes), alpha, beta)
    }

    /// The kernel of a tile `vectors` wide, fewer than `nrVectors` (the right edge of C).
    @inline(__always)
    private static func narrowKernel(vectors: Int, depth: Int, _ a: UnsafePointer<T>, rowStep: Int,
                                     depthStep: Int, rows: Int, _ b: UnsafePointer<T>, ldb: Int,
                                     _ tile: UnsafeMutablePointer<T>, ldt: Int, alpha: T, beta: T) {
        if vectors == 1 {
            kernel1(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: rows, b, ldb: ldb,
                    tile, ldt: ldt, alpha: alpha, beta: beta)
        } else {
            kernel2(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: rows, b, ldb: ldb,
                    tile, ldt: ldt, alpha: alpha, beta: beta)
        }
    }
    #elseif DNN_VECTOR_BITS_256
    /// The micro-tile: 6 rows x 2 vectors = 12 accumulator registers.
    static var mr: Int { 6 }
    static var nrVectors: Int { 2 }

    /// The 6 x 2-vector micro-kernel: `tile = alpha * (A · B) + beta * tile`, where A's
    /// element (r, p) is `a[r·rowStep + p·depthStep]` and B's row p starts at `b + p·ldb`
    /// (a packed panel, or B itself where it is read in place).
    /// Rows at or beyond `rows` repeat row 0 (their results are discarded by the caller).
    @inline(__always)
    private static func kernel(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        let a4 = a + (rows > 4 ? 4 &* rowStep : 0)
        let a5 = a + (rows > 5 ? 5 &* rowStep : 0)
        var c00 = V(), c01 = V()
        var c10 = V(), c11 = V()
        var c20 = V(), c21 = V()
        var c30 = V(), c31 = V()
        var c40 = V(), c41 = V()
        var c50 = V(), c51 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let b1 = load(bp + 1 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0); c01.addProduct(x0, b1)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0); c11.addProduct(x1, b1)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0); c21.addProduct(x2, b1)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0); c31.addProduct(x3, b1)
            let x4 = V(repeating: a4[q])
            c40.addProduct(x4, b0); c41.addProduct(x4, b1)
            let x5 = V(repeating: a5[q])
            c50.addProduct(x5, b0); c51.addProduct(x5, b1)
            q &+= depthStep
            bp += ldb
        }
        storeTile(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c01, tile + (0 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c11, tile + (1 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c21, tile + (2 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c31, tile + (3 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c40, tile + (4 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c41, tile + (4 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c50, tile + (5 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c51, tile + (5 &* ldt &+ 1 &* lanes), alpha, beta)
    }

    /// The same with fewer vectors of columns, for the right edge of C.
    @inline(__always)
    private static func kernel1(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        let a4 = a + (rows > 4 ? 4 &* rowStep : 0)
        let a5 = a + (rows > 5 ? 5 &* rowStep : 0)
        var c00 = V()
        var c10 = V()
        var c20 = V()
        var c30 = V()
        var c40 = V()
        var c50 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0)
            let x4 = V(repeating: a4[q])
            c40.addProduct(x4, b0)
            let x5 = V(repeating: a5[q])
            c50.addProduct(x5, b0)
            q &+= depthStep
            bp += ldb
        }
        storeTile(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c40, tile + (4 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c50, tile + (5 &* ldt &+ 0 &* lanes), alpha, beta)
    }

    /// The kernel of a tile `vectors` wide, fewer than `nrVectors` (the right edge of C).
    @inline(__always)
    private static func narrowKernel(vectors: Int, depth: Int, _ a: UnsafePointer<T>, rowStep: Int,
                                     depthStep: Int, rows: Int, _ b: UnsafePointer<T>, ldb: Int,
                                     _ tile: UnsafeMutablePointer<T>, ldt: Int, alpha: T, beta: T) {
        kernel1(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: rows, b, ldb: ldb,
                tile, ldt: ldt, alpha: alpha, beta: beta)
    }
    #else
    /// The micro-tile: 4 rows x 3 vectors = 12 accumulator registers.
    static var mr: Int { 4 }
    static var nrVectors: Int { 3 }

    /// The 4 x 3-vector micro-kernel: `tile = alpha * (A · B) + beta * tile`, where A's
    /// element (r, p) is `a[r·rowStep + p·depthStep]` and B's row p starts at `b + p·ldb`
    /// (a packed panel, or B itself where it is read in place).
    /// Rows at or beyond `rows` repeat row 0 (their results are discarded by the caller).
    @inline(__always)
    private static func kernel(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        var c00 = V(), c01 = V(), c02 = V()
        var c10 = V(), c11 = V(), c12 = V()
        var c20 = V(), c21 = V(), c22 = V()
        var c30 = V(), c31 = V(), c32 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let b1 = load(bp + 1 &* lanes)
            let b2 = load(bp + 2 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0); c01.addProduct(x0, b1); c02.addProduct(x0, b2)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0); c11.addProduct(x1, b1); c12.addProduct(x1, b2)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0); c21.addProduct(x2, b1); c22.addProduct(x2, b2)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0); c31.addProduct(x3, b1); c32.addProduct(x3, b2)
            q &+= depthStep
            bp += ldb
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
    }

    /// The same with fewer vectors of columns, for the right edge of C.
    @inline(__always)
    private static func kernel2(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        var c00 = V(), c01 = V()
        var c10 = V(), c11 = V()
        var c20 = V(), c21 = V()
        var c30 = V(), c31 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let b1 = load(bp + 1 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0); c01.addProduct(x0, b1)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0); c11.addProduct(x1, b1)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0); c21.addProduct(x2, b1)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0); c31.addProduct(x3, b1)
            q &+= depthStep
            bp += ldb
        }
        storeTile(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c01, tile + (0 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c11, tile + (1 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c21, tile + (2 &* ldt &+ 1 &* lanes), alpha, beta)
        storeTile(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c31, tile + (3 &* ldt &+ 1 &* lanes), alpha, beta)
    }

    @inline(__always)
    private static func kernel1(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,
                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,
                               alpha: T, beta: T) {
        let lanes = Self.lanes
        let a1 = a + (rows > 1 ? 1 &* rowStep : 0)
        let a2 = a + (rows > 2 ? 2 &* rowStep : 0)
        let a3 = a + (rows > 3 ? 3 &* rowStep : 0)
        var c00 = V()
        var c10 = V()
        var c20 = V()
        var c30 = V()
        var q = 0
        var bp = b
        for _ in 0..<depth {
            let b0 = load(bp + 0 &* lanes)
            let x0 = V(repeating: a[q])
            c00.addProduct(x0, b0)
            let x1 = V(repeating: a1[q])
            c10.addProduct(x1, b0)
            let x2 = V(repeating: a2[q])
            c20.addProduct(x2, b0)
            let x3 = V(repeating: a3[q])
            c30.addProduct(x3, b0)
            q &+= depthStep
            bp += ldb
        }
        storeTile(c00, tile + (0 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c10, tile + (1 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c20, tile + (2 &* ldt &+ 0 &* lanes), alpha, beta)
        storeTile(c30, tile + (3 &* ldt &+ 0 &* lanes), alpha, beta)
    }

    /// The kernel of a tile `vectors` wide, fewer than `nrVectors` (the right edge of C).
    @inline(__always)
    private static func narrowKernel(vectors: Int, depth: Int, _ a: UnsafePointer<T>, rowStep: Int,
                                     depthStep: Int, rows: Int, _ b: UnsafePointer<T>, ldb: Int,
                                     _ tile: UnsafeMutablePointer<T>, ldt: Int, alpha: T, beta: T) {
        if vectors == 1 {
            kernel1(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: rows, b, ldb: ldb,
                    tile, ldt: ldt, alpha: alpha, beta: beta)
        } else {
            kernel2(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: rows, b, ldb: ldb,
                    tile, ldt: ldt, alpha: alpha, beta: beta)
        }
    }
    #endif
    // END GENERATED MICRO-KERNELS

    /// A partial tile at the right or bottom edge of C: the narrowest micro-kernel that
    /// covers `width`, straight into C when the tile is whole vectors of full rows, else
    /// into a stack buffer whose valid `height x width` part is then copied.
    private static func edgeKernel(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int,
                                   _ b: UnsafePointer<T>, ldb: Int, _ c: UnsafeMutablePointer<T>, ldc: Int,
                                   height: Int, width: Int, alpha: T, beta: T) {
        let vectors = (width + lanes - 1) / lanes
        if height == mr && width == vectors * lanes {
            narrowKernel(vectors: vectors, depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: mr, b,
                         ldb: ldb, c, ldt: ldc, alpha: alpha, beta: beta)
            return
        }
        withUnsafeTemporaryAllocation(of: T.self, capacity: mr * nr) { buffer in
            let tile = buffer.baseAddress!
            if vectors == nrVectors {
                kernel(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: height, b, ldb: ldb, tile,
                       ldt: nr, alpha: alpha, beta: 0)
            } else {
                narrowKernel(vectors: vectors, depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: height,
                             b, ldb: ldb, tile, ldt: nr, alpha: alpha, beta: 0)
            }
            for r in 0..<height {
                for j in 0..<width {
                    let target = c + r * ldc + j
                    target.pointee = beta == 0 ? tile[r * nr + j] : tile[r * nr + j] + beta * target.pointee
                }
            }
        }
    }
}
