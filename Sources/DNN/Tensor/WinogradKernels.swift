/// How a 3x3, stride-1 convolution's output is cut into the 2x2 tiles of Winograd's
/// F(2x2, 3x3): tile (ty, tx) computes output rows 2ty...2ty+1 and columns 2tx...2tx+1
/// from the 4x4 input patch whose corner is input pixel (2ty - padTop, 2tx - padLeft),
/// zero outside the input. Odd output sizes get a last tile whose extra row or column is
/// dropped.
public struct WinogradTiling: Sendable, Equatable {
    /// The convolution's window (kernel 3x3, stride 1).
    public let geometry: WindowGeometry
    /// Tiles down and across one plane.
    public let rows: Int
    public let columns: Int

    public init(_ geometry: WindowGeometry) {
        self.geometry = geometry
        rows = (geometry.outputHeight + 1) / 2
        columns = (geometry.outputWidth + 1) / 2
    }

    /// Whether F(2x2, 3x3) computes this window: a 3x3 kernel at stride 1.
    public static func applies(to g: WindowGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
    }

    /// Tiles of one sample.
    public var perPlane: Int { rows * columns }
}

/// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016): a 2x2 block of a 3x3 cross-correlation costs 16
/// multiplications instead of 36. With the 4x4 input patch d and the 3x3 filter g,
///
///     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
///
///     Bᵀ = | 1  0 -1  0 |    G = | 1    0    0  |    Aᵀ = | 1  1  1  0 |
///          | 0  1  1  0 |        | 1/2  1/2  1/2 |         | 0  1 -1 -1 |
///          | 0 -1  1  0 |        | 1/2 -1/2  1/2 |
///          | 0  1  0 -1 |        | 0    0    1  |
///
/// Summed over input channels, the 16 elementwise products ξ = 4i + j become 16 matrix
/// products, which is where the time goes. The transforms here move data between NCHW
/// tensors and the transformed layouts, tile-major with channels innermost, so that
/// every transform works on whole vectors of channels and every product reads its
/// large operand in place:
///
///     V [16][N·tiles][Cp]   input       U [16][Cp][Op]   filter (row c, column o)
///     M [16][N·tiles][Op]   output
///
/// Cp and Op are the channel counts rounded up to whole vectors, padded with zeros.
/// `xiStride` is the distance between V's or M's 16 matrices. Each "adjoint" is the
/// transpose of its transform's linear map, which is its backward pass: the same
/// gradients as the direct convolution, up to rounding. Per sample, channels move
/// between planes and pixel vectors through `scratch`, a [pixels, Cp or Op] buffer per
/// task (slots 1...threads of `compute`).
public protocol WinogradKernels: KernelScalar {
    /// V = Bᵀ d B for every tile and channel of x [N, C, H, W].
    static func winogradInput(_ x: UnsafePointer<Self>, n: Int, _ tiling: WinogradTiling,
                              into v: UnsafeMutablePointer<Self>, xiStride: Int, _ compute: Compute)
    /// dx [N, C, H, W] = Σ over tiles of B dV Bᵀ, at the pixels each tile read (padding dropped).
    static func winogradInputAdjoint(_ dv: UnsafePointer<Self>, xiStride: Int, n: Int, _ tiling: WinogradTiling,
                                     dx: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// U = G g Gᵀ for every filter of w [O, C, 3, 3].
    static func winogradFilter(_ w: UnsafePointer<Self>, outChannels: Int, inChannels: Int,
                               into u: UnsafeMutablePointer<Self>)
    /// dw [O, C, 3, 3] += Gᵀ dU G, from dU [16][Op][Cp].
    static func winogradFilterAdjoint(_ du: UnsafePointer<Self>, outChannels: Int, inChannels: Int,
                                      accumulateInto dw: UnsafeMutablePointer<Self>)
    /// y [N, O, OH, OW] = Aᵀ M A for every tile, plus `bias` per channel when given.
    static func winogradOutput(_ m: UnsafePointer<Self>, xiStride: Int, n: Int, outChannels: Int,
                               _ tiling: WinogradTiling, bias: UnsafePointer<Self>?, into y: UnsafeMutablePointer<Self>,
                               _ compute: Compute)
    /// dM = A dY Aᵀ for every tile of dy [N, O, OH, OW] (zero past the output's edge).
    static func winogradOutputAdjoint(_ dy: UnsafePointer<Self>, n: Int, outChannels: Int, _ tiling: WinogradTiling,
                                      into m: UnsafeMutablePointer<Self>, xiStride: Int, _ compute: Compute)
}

extension WinogradKernels {
    typealias WinogradQuad = (Vector, Vector, Vector, Vector)

    /// Channels rounded up to whole vectors.
    @inline(__always)
    static func paddedChannels(_ channels: Int) -> Int {
        (channels + Vector.scalarCount - 1) / Vector.scalarCount * Vector.scalarCount
    }

    /// The combinations of Bᵀ (and of B's columns): (a - c, b + c, c - b, b - d).
    @inline(__always)
    private static func inputCombination(_ a: Vector, _ b: Vector, _ c: Vector, _ d: Vector) -> WinogradQuad {
        (a - c, b + c, c - b, b - d)
    }

    /// The combinations of B (and of Bᵀ's columns): (a, b - c + d, b + c - a, -d).
    @inline(__always)
    private static func inputAdjointCombination(_ a: Vector, _ b: Vector, _ c: Vector, _ d: Vector) -> WinogradQuad {
        (a, b - c + d, b + c - a, Vector() - d)
    }

    /// The combinations of A (and of Aᵀ's columns): (a, a + b, a - b, -b).
    @inline(__always)
    private static func outputAdjointCombination(_ a: Vector, _ b: Vector) -> WinogradQuad {
        (a, a + b, a - b, Vector() - b)
    }

    /// Runs `body(sample, scratch)` for every sample, split over the threads, with a
    /// thread-owned scratch buffer of `scratchCount` scalars.
    @inline(__always)
    private static func forEachSample(_ n: Int, scratchCount: Int, _ compute: Compute,
                                      _ body: (Int, UnsafeMutablePointer<Self>) -> Void) {
        compute.parallelRanges(n, scratch: scratchCount, as: Self.self) { samples, scratch in
            for sample in samples { body(sample, scratch) }
        }
    }

    /// [channels][pixels] planes into [pixels][stride] vectors, zero in channels ≥ `channels`.
    @inline(__always)
    private static func planesToPixels(_ x: UnsafePointer<Self>, channels: Int, pixels: Int,
                                       into p: UnsafeMutablePointer<Self>, stride: Int) {
        if channels < stride {
            for pixel in 0..<pixels { (p + pixel * stride + channels).update(repeating: 0, count: stride - channels) }
        }
        transpose(x, rows: channels, columns: pixels, sourceStride: pixels, into: p, targetStride: stride)
    }

    /// The inverse of `planesToPixels` for the first `channels` channels.
    @inline(__always)
    private static func pixelsToPlanes(_ p: UnsafePointer<Self>, stride: Int, channels: Int, pixels: Int,
                                       into x: UnsafeMutablePointer<Self>) {
        transpose(p, rows: pixels, columns: channels, sourceStride: stride, into: x, targetStride: pixels)
    }

    /// For tile index `t` along an axis of `size` pixels starting at `2t - pad`: the offsets
    /// of its 4 pixels, or -1 for those in the padding.
    @inline(__always)
    private static func patchOffsets(tile t: Int, pad: Int, size: Int, step: Int) -> SIMD4<Int> {
        var offsets = SIMD4<Int>(repeating: -1)
        for i in 0..<4 {
            let position = 2 * t - pad + i
            if position >= 0 && position < size { offsets[i] = position * step }
        }
        return offsets
    }

    public static func winogradInput(_ x: UnsafePointer<Self>, n: Int, _ tiling: WinogradTiling,
                                     into v: UnsafeMutablePointer<Self>, xiStride: Int, _ compute: Compute) {
        let g = tiling.geometry, channels = g.channels, cp = paddedChannels(channels), lanes = Vector.scalarCount
        forEachSample(n, scratchCount: g.inputPlane * cp, compute) { sample, pixels in
            planesToPixels(x + sample * channels * g.inputPlane, channels: channels, pixels: g.inputPlane,
                           into: pixels, stride: cp)
            for ty in 0..<tiling.rows {
                let rowOffsets = patchOffsets(tile: ty, pad: g.padTop, size: g.height, step: g.width * cp)
                for tx in 0..<tiling.columns {
                    let columnOffsets = patchOffsets(tile: tx, pad: g.padLeft, size: g.width, step: cp)
                    let interior = rowOffsets.min() >= 0 && columnOffsets.min() >= 0
                    let target = v + ((sample * tiling.rows + ty) * tiling.columns + tx) * cp
                    var c = 0
                    while c < cp {
                        @inline(__always) func d(_ i: Int, _ j: Int) -> Vector {
                            if interior || (rowOffsets[i] >= 0 && columnOffsets[j] >= 0) {
                                return load(pixels + rowOffsets[i] + columnOffsets[j] + c)
                            }
                            return Vector()
                        }
                        // Bᵀ d, column by column: (t0j, t1j, t2j, t3j).
                        let k0 = inputCombination(d(0, 0), d(1, 0), d(2, 0), d(3, 0))
                        let k1 = inputCombination(d(0, 1), d(1, 1), d(2, 1), d(3, 1))
                        let k2 = inputCombination(d(0, 2), d(1, 2), d(2, 2), d(3, 2))
                        let k3 = inputCombination(d(0, 3), d(1, 3), d(2, 3), d(3, 3))
                        // (Bᵀ d) B, row by row.
                        let out = target + c
                        put(inputCombination(k0.0, k1.0, k2.0, k3.0), out, xiStride, first: 0)
                        put(inputCombination(k0.1, k1.1, k2.1, k3.1), out, xiStride, first: 4)
                        put(inputCombination(k0.2, k1.2, k2.2, k3.2), out, xiStride, first: 8)
                        put(inputCombination(k0.3, k1.3, k2.3, k3.3), out, xiStride, first: 12)
                        c += lanes
                    }
                }
            }
        }
    }

    /// Stores 4 vectors as matrices ξ = first...first+3.
    @inline(__always)
    private static func put(_ q: WinogradQuad, _ target: UnsafeMutablePointer<Self>, _ xiStride: Int, first: Int) {
        store(q.0, target + first * xiStride)
        store(q.1, target + (first + 1) * xiStride)
        store(q.2, target + (first + 2) * xiStride)
        store(q.3, target + (first + 3) * xiStride)
    }

    /// Loads matrices ξ = first...first+3.
    @inline(__always)
    private static func get(_ source: UnsafePointer<Self>, _ xiStride: Int, first: Int) -> WinogradQuad {
        (load(source + first * xiStride), load(source + (first + 1) * xiStride),
         load(source + (first + 2) * xiStride), load(source + (first + 3) * xiStride))
    }

    public static func winogradInputAdjoint(_ dv: UnsafePointer<Self>, xiStride: Int, n: Int, _ tiling: WinogradTiling,
                                            dx: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let g = tiling.geometry, channels = g.channels, cp = paddedChannels(channels), lanes = Vector.scalarCount
        forEachSample(n, scratchCount: g.inputPlane * cp, compute) { sample, pixels in
            pixels.update(repeating: 0, count: g.inputPlane * cp)
            for ty in 0..<tiling.rows {
                let rowOffsets = patchOffsets(tile: ty, pad: g.padTop, size: g.height, step: g.width * cp)
                for tx in 0..<tiling.columns {
                    let columnOffsets = patchOffsets(tile: tx, pad: g.padLeft, size: g.width, step: cp)
                    let interior = rowOffsets.min() >= 0 && columnOffsets.min() >= 0
                    let source = dv + ((sample * tiling.rows + ty) * tiling.columns + tx) * cp
                    var c = 0
                    while c < cp {
                        // dV Bᵀ, row by row: s_i = (row i of dV) combined over its columns.
                        let row0 = get(source + c, xiStride, first: 0), row1 = get(source + c, xiStride, first: 4)
                        let row2 = get(source + c, xiStride, first: 8), row3 = get(source + c, xiStride, first: 12)
                        let s0 = inputAdjointCombination(row0.0, row0.1, row0.2, row0.3)
                        let s1 = inputAdjointCombination(row1.0, row1.1, row1.2, row1.3)
                        let s2 = inputAdjointCombination(row2.0, row2.1, row2.2, row2.3)
                        let s3 = inputAdjointCombination(row3.0, row3.1, row3.2, row3.3)
                        // B (dV Bᵀ), column by column, added into the patch's pixels.
                        @inline(__always) func add(_ value: Vector, _ i: Int, _ j: Int) {
                            if interior || (rowOffsets[i] >= 0 && columnOffsets[j] >= 0) {
                                let p = pixels + rowOffsets[i] + columnOffsets[j] + c
                                store(load(p) + value, p)
                            }
                        }
                        @inline(__always) func add(_ column: WinogradQuad, _ j: Int) {
                            add(column.0, 0, j); add(column.1, 1, j); add(column.2, 2, j); add(column.3, 3, j)
                        }
                        add(inputAdjointCombination(s0.0, s1.0, s2.0, s3.0), 0)
                        add(inputAdjointCombination(s0.1, s1.1, s2.1, s3.1), 1)
                        add(inputAdjointCombination(s0.2, s1.2, s2.2, s3.2), 2)
                        add(inputAdjointCombination(s0.3, s1.3, s2.3, s3.3), 3)
                        c += lanes
                    }
                }
            }
            pixelsToPlanes(pixels, stride: cp, channels: channels, pixels: g.inputPlane,
                           into: dx + sample * channels * g.inputPlane)
        }
    }

    public static func winogradFilter(_ w: UnsafePointer<Self>, outChannels: Int, inChannels: Int,
                                      into u: UnsafeMutablePointer<Self>) {
        let cp = paddedChannels(inChannels), op = paddedChannels(outChannels), half: Self = 0.5
        u.update(repeating: 0, count: 16 * cp * op)
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                let g = w + (o * inChannels + c) * 9
                // G g: the 4 rows of the 4x3 intermediate.
                let g0 = SIMD4(g[0], g[1], g[2], 0), g1 = SIMD4(g[3], g[4], g[5], 0), g2 = SIMD4(g[6], g[7], g[8], 0)
                let rows = (g0, half * (g0 + g1 + g2), half * (g0 - g1 + g2), g2)
                for i in 0..<4 {
                    let r = i == 0 ? rows.0 : i == 1 ? rows.1 : i == 2 ? rows.2 : rows.3
                    // (G g) Gᵀ: the same combinations of the row's three columns.
                    let target = u + (4 * i * cp + c) * op + o
                    target[0] = r[0]
                    target[cp * op] = half * (r[0] + r[1] + r[2])
                    target[2 * cp * op] = half * (r[0] - r[1] + r[2])
                    target[3 * cp * op] = r[2]
                }
            }
        }
    }

    public static func winogradFilterAdjoint(_ du: UnsafePointer<Self>, outChannels: Int, inChannels: Int,
                                             accumulateInto dw: UnsafeMutablePointer<Self>) {
        let cp = paddedChannels(inChannels), op = paddedChannels(outChannels), half: Self = 0.5
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                // dU G: each row of dU (4 values) into 3 filter columns.
                func row(_ i: Int) -> SIMD4<Self> {
                    let source = du + (4 * i * op + o) * cp + c
                    let d0 = source[0], d1 = source[op * cp], d2 = source[2 * op * cp], d3 = source[3 * op * cp]
                    return SIMD4(d0 + half * (d1 + d2), half * (d1 - d2), half * (d1 + d2) + d3, 0)
                }
                let rows = (row(0), row(1), row(2), row(3))
                // Gᵀ (dU G): the same combinations of the 4 rows into 3.
                let g = dw + (o * inChannels + c) * 9
                let out0 = rows.0 + half * (rows.1 + rows.2)
                let out1 = half * (rows.1 - rows.2)
                let out2 = half * (rows.1 + rows.2) + rows.3
                for j in 0..<3 {
                    g[j] += out0[j]
                    g[3 + j] += out1[j]
                    g[6 + j] += out2[j]
                }
            }
        }
    }

    public static func winogradOutput(_ m: UnsafePointer<Self>, xiStride: Int, n: Int, outChannels: Int,
                                      _ tiling: WinogradTiling, bias: UnsafePointer<Self>?,
                                      into y: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let g = tiling.geometry, oh = g.outputHeight, ow = g.outputWidth, plane = g.outputPlane
        let op = paddedChannels(outChannels), lanes = Vector.scalarCount
        // The bias as whole vectors, after the per-sample pixel buffer.
        forEachSample(n, scratchCount: plane * op + op, compute) { sample, pixels in
            let biases = pixels + plane * op
            for o in 0..<op { biases[o] = bias != nil && o < outChannels ? bias![o] : 0 }
            for ty in 0..<tiling.rows {
                for tx in 0..<tiling.columns {
                    let source = m + ((sample * tiling.rows + ty) * tiling.columns + tx) * op
                    let row = 2 * ty, column = 2 * tx
                    let target = pixels + (row * ow + column) * op
                    var c = 0
                    while c < op {
                        // Aᵀ M: rows m0 + m1 + m2 and m1 - m2 - m3, each of 4 columns.
                        let m0 = get(source + c, xiStride, first: 0), m1 = get(source + c, xiStride, first: 4)
                        let m2 = get(source + c, xiStride, first: 8), m3 = get(source + c, xiStride, first: 12)
                        let s0 = (m0.0 + m1.0 + m2.0, m0.1 + m1.1 + m2.1, m0.2 + m1.2 + m2.2, m0.3 + m1.3 + m2.3)
                        let s1 = (m1.0 - m2.0 - m3.0, m1.1 - m2.1 - m3.1, m1.2 - m2.2 - m3.2, m1.3 - m2.3 - m3.3)
                        // (Aᵀ M) A, plus the bias.
                        let b = load(biases + c)
                        store(s0.0 + s0.1 + s0.2 + b, target + c)
                        if column + 1 < ow { store(s0.1 - s0.2 - s0.3 + b, target + op + c) }
                        if row + 1 < oh {
                            store(s1.0 + s1.1 + s1.2 + b, target + ow * op + c)
                            if column + 1 < ow { store(s1.1 - s1.2 - s1.3 + b, target + (ow + 1) * op + c) }
                        }
                        c += lanes
                    }
                }
            }
            pixelsToPlanes(pixels, stride: op, channels: outChannels, pixels: plane,
                           into: y + sample * outChannels * plane)
        }
    }

    public static func winogradOutputAdjoint(_ dy: UnsafePointer<Self>, n: Int, outChannels: Int,
                                             _ tiling: WinogradTiling, into m: UnsafeMutablePointer<Self>,
                                             xiStride: Int, _ compute: Compute) {
        let g = tiling.geometry, oh = g.outputHeight, ow = g.outputWidth, plane = g.outputPlane
        let op = paddedChannels(outChannels), lanes = Vector.scalarCount
        forEachSample(n, scratchCount: plane * op, compute) { sample, pixels in
            planesToPixels(dy + sample * outChannels * plane, channels: outChannels, pixels: plane,
                           into: pixels, stride: op)
            for ty in 0..<tiling.rows {
                for tx in 0..<tiling.columns {
                    let target = m + ((sample * tiling.rows + ty) * tiling.columns + tx) * op
                    let row = 2 * ty, column = 2 * tx
                    let source = pixels + (row * ow + column) * op
                    let right = column + 1 < ow, below = row + 1 < oh
                    var c = 0
                    while c < op {
                        let y00 = load(source + c)
                        let y01 = right ? load(source + op + c) : Vector()
                        let y10 = below ? load(source + ow * op + c) : Vector()
                        let y11 = right && below ? load(source + (ow + 1) * op + c) : Vector()
                        // A dY, column by column; then each row of it times Aᵀ.
                        let k0 = outputAdjointCombination(y00, y10), k1 = outputAdjointCombination(y01, y11)
                        let out = target + c
                        put(outputAdjointCombination(k0.0, k1.0), out, xiStride, first: 0)
                        put(outputAdjointCombination(k0.1, k1.1), out, xiStride, first: 4)
                        put(outputAdjointCombination(k0.2, k1.2), out, xiStride, first: 8)
                        put(outputAdjointCombination(k0.3, k1.3), out, xiStride, first: 12)
                        c += lanes
                    }
                }
            }
        }
    }
}
