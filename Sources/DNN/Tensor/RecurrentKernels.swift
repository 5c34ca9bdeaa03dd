import Foundation

/// Rows of a matrix inside a larger buffer: element (r, c) at `base[r·stride + c]`. A
/// direction's hidden states are such a view of the [N, D·H] rows of a layer's output.
public struct StridedRows<T> {
    public var base: UnsafeMutablePointer<T>
    public var stride: Int

    public init(_ base: UnsafeMutablePointer<T>, stride: Int) {
        self.base = base
        self.stride = stride
    }
}

/// The gate arithmetic of the recurrent layers (`Recurrent`), one time step of a whole
/// batch per call: the matrix products around it are GEMMs, these are the elementwise
/// parts between them. Gate blocks are PyTorch's: LSTM rows [N, 4H] hold i, f, g, o;
/// GRU rows [N, 3H] hold r, z, n. Rows are split over threads; each element is computed
/// by one thread, so results do not depend on the thread count.
public protocol RecurrentKernels: KernelScalar {
    /// LSTM forward: `gates` holds the pre-activations `x·W_ihᵀ + b_ih + b_hh + h·W_hhᵀ`
    /// and receives σ(i), σ(f), tanh(g), σ(o); c = f·c' + i·g, h = o·tanh(c).
    static func lstmForwardStep(gates: UnsafeMutablePointer<Self>, previousCell: UnsafePointer<Self>,
                                cell: UnsafeMutablePointer<Self>, cellTanh: UnsafeMutablePointer<Self>,
                                hidden: StridedRows<Self>, rows: Int, size: Int, _ compute: Compute)

    /// LSTM backward of one step. `hiddenGradient` holds dL/dh from the next step and is
    /// read only; dh adds the output's gradient `outputGradient`. `cellGradient` holds
    /// dL/dc from the next step and receives dL/dc' (through f). `gateGradient` receives
    /// the gradient of the four pre-activations.
    static func lstmBackwardStep(gates: UnsafePointer<Self>, previousCell: UnsafePointer<Self>,
                                 cellTanh: UnsafePointer<Self>, outputGradient: StridedRows<Self>,
                                 hiddenGradient: UnsafePointer<Self>, cellGradient: UnsafeMutablePointer<Self>,
                                 gateGradient: UnsafeMutablePointer<Self>, rows: Int, size: Int, _ compute: Compute)

    /// GRU forward: `gates` holds `x·W_ihᵀ + b_ih` and receives r, z, n;
    /// `hiddenProjection` is `h'·W_hhᵀ + b_hh`. r = σ(x_r + h_r), z = σ(x_z + h_z),
    /// n = tanh(x_n + r·h_n), h = (1 - z)·n + z·h'.
    static func gruForwardStep(gates: UnsafeMutablePointer<Self>, hiddenProjection: UnsafePointer<Self>,
                               previousHidden: StridedRows<Self>, hidden: StridedRows<Self>,
                               rows: Int, size: Int, _ compute: Compute)

    /// GRU backward of one step. `hiddenGradient` holds dL/dh from the next step and
    /// receives the direct part of dL/dh' (z·dh), to which the caller adds
    /// `hiddenGateGradient · W_hh`. `inputGateGradient` receives the gradient of the input
    /// pre-activations (r, z, n), `hiddenGateGradient` that of `hiddenProjection`
    /// (r, z, and r·dn for n).
    static func gruBackwardStep(gates: UnsafePointer<Self>, hiddenProjection: UnsafePointer<Self>,
                                previousHidden: StridedRows<Self>, outputGradient: StridedRows<Self>,
                                hiddenGradient: UnsafeMutablePointer<Self>, inputGateGradient: UnsafeMutablePointer<Self>,
                                hiddenGateGradient: UnsafeMutablePointer<Self>, rows: Int, size: Int, _ compute: Compute)

    /// σ(x) of every lane: a polynomial exp for Float (within a few ulps, as PyTorch's
    /// vectorised sigmoid), libm per lane for Double, whose results the gradient checks use.
    static func sigmoid(_ x: Vector) -> Vector
    /// tanh(x) of every lane, likewise.
    static func tanh(_ x: Vector) -> Vector

    /// [A, B, inner] to [B, A, inner]: batch-first samples to the time-major layout the
    /// recurrence steps through, and back.
    static func swapLeadingAxes(_ source: UnsafePointer<Self>, _ a: Int, _ b: Int, inner: Int,
                                into target: UnsafeMutablePointer<Self>)

    /// Copies a `rows` x `columns` block between strided rows.
    static func copyRows(_ source: StridedRows<Self>, to target: StridedRows<Self>, rows: Int, columns: Int)
}

extension RecurrentKernels {
    @inline(__always) static func sigmoid(_ x: Self) -> Self { 1 / (1 + exp(-x)) }

    /// Rows per task: about 4,096 gate units, so a small batch stays on one thread.
    @inline(__always) static func grain(_ size: Int) -> Int { Swift.max(1, 4096 / Swift.max(size, 1)) }

    public static func lstmForwardStep(gates: UnsafeMutablePointer<Self>, previousCell: UnsafePointer<Self>,
                                       cell: UnsafeMutablePointer<Self>, cellTanh: UnsafeMutablePointer<Self>,
                                       hidden: StridedRows<Self>, rows: Int, size h: Int, _ compute: Compute) {
        let lanes = Vector.scalarCount, vectorEnd = h - h % lanes
        compute.parallelRanges(rows, grain: grain(h)) { range in
            for r in range {
                let g = gates + r &* 4 &* h, cp = previousCell + r &* h, c = cell + r &* h, ct = cellTanh + r &* h
                let out = hidden.base + r &* hidden.stride
                var j = 0
                while j < vectorEnd {
                    let (fj, gj, oj) = (h &+ j, 2 &* h &+ j, 3 &* h &+ j)
                    let i: Vector = sigmoid(load(g + j)), f: Vector = sigmoid(load(g + fj))
                    let u: Vector = tanh(load(g + gj)), o: Vector = sigmoid(load(g + oj))
                    let previous: Vector = load(cp + j)
                    let value = f * previous + i * u
                    let squashed = tanh(value)
                    store(i, g + j)
                    store(f, g + fj)
                    store(u, g + gj)
                    store(o, g + oj)
                    store(value, c + j)
                    store(squashed, ct + j)
                    store(o * squashed, out + j)
                    j &+= lanes
                }
                for j in vectorEnd..<h {
                    let i = sigmoid(g[j]), f = sigmoid(g[h &+ j]), u = tanh(g[2 &* h &+ j]), o = sigmoid(g[3 &* h &+ j])
                    let value = f * cp[j] + i * u
                    (g[j], g[h &+ j], g[2 &* h &+ j], g[3 &* h &+ j]) = (i, f, u, o)
                    (c[j], ct[j]) = (value, tanh(value))
                    out[j] = o * ct[j]
                }
            }
        }
    }

    public static func lstmBackwardStep(gates: UnsafePointer<Self>, previousCell: UnsafePointer<Self>,
                                        cellTanh: UnsafePointer<Self>, outputGradient: StridedRows<Self>,
                                        hiddenGradient: UnsafePointer<Self>, cellGradient: UnsafeMutablePointer<Self>,
                                        gateGradient: UnsafeMutablePointer<Self>, rows: Int, size h: Int,
                                        _ compute: Compute) {
        compute.parallelRanges(rows, grain: grain(h)) { range in
            for r in range {
                let g = gates + r &* 4 &* h, da = gateGradient + r &* 4 &* h
                let cp = previousCell + r &* h, ct = cellTanh + r &* h
                let dhNext = hiddenGradient + r &* h, dc = cellGradient + r &* h
                let dy = outputGradient.base + r &* outputGradient.stride
                let vectorEnd = lstmBackwardVectors(g, cp, ct, dy, dhNext, dc, da, size: h)
                for j in vectorEnd..<h {
                    let i = g[j], f = g[h &+ j], u = g[2 &* h &+ j], o = g[3 &* h &+ j]
                    let dh = dy[j] + dhNext[j]
                    let dcTotal = dc[j] + dh * o * (1 - ct[j] * ct[j])
                    da[j] = dcTotal * u * i * (1 - i)
                    da[h &+ j] = dcTotal * cp[j] * f * (1 - f)
                    da[2 &* h &+ j] = dcTotal * i * (1 - u * u)
                    da[3 &* h &+ j] = dh * ct[j] * o * (1 - o)
                    dc[j] = dcTotal * f
                }
            }
        }
    }

    public static func gruForwardStep(gates: UnsafeMutablePointer<Self>, hiddenProjection: UnsafePointer<Self>,
                                      previousHidden: StridedRows<Self>, hidden: StridedRows<Self>,
                                      rows: Int, size h: Int, _ compute: Compute) {
        let lanes = Vector.scalarCount, vectorEnd = h - h % lanes
        compute.parallelRanges(rows, grain: grain(h)) { range in
            for r in range {
                let g = gates + r &* 3 &* h, p = hiddenProjection + r &* 3 &* h
                let hp = previousHidden.base + r &* previousHidden.stride, out = hidden.base + r &* hidden.stride
                var j = 0
                while j < vectorEnd {
                    let (zj, nj) = (h &+ j, 2 &* h &+ j)
                    let (xr, hr): (Vector, Vector) = (load(g + j), load(p + j))
                    let (xz, hz): (Vector, Vector) = (load(g + zj), load(p + zj))
                    let (xn, hn): (Vector, Vector) = (load(g + nj), load(p + nj))
                    let reset = sigmoid(xr + hr), update = sigmoid(xz + hz)
                    let candidate = tanh(xn + reset * hn)
                    let previous: Vector = load(hp + j)
                    store(reset, g + j)
                    store(update, g + zj)
                    store(candidate, g + nj)
                    store((1 - update) * candidate + update * previous, out + j)
                    j &+= lanes
                }
                for j in vectorEnd..<h {
                    let reset = sigmoid(g[j] + p[j]), update = sigmoid(g[h &+ j] + p[h &+ j])
                    let candidate = tanh(g[2 &* h &+ j] + reset * p[2 &* h &+ j])
                    (g[j], g[h &+ j], g[2 &* h &+ j]) = (reset, update, candidate)
                    out[j] = (1 - update) * candidate + update * hp[j]
                }
            }
        }
    }

    public static func gruBackwardStep(gates: UnsafePointer<Self>, hiddenProjection: UnsafePointer<Self>,
                                       previousHidden: StridedRows<Self>, outputGradient: StridedRows<Self>,
                                       hiddenGradient: UnsafeMutablePointer<Self>,
                                       inputGateGradient: UnsafeMutablePointer<Self>,
                                       hiddenGateGradient: UnsafeMutablePointer<Self>, rows: Int, size h: Int,
                                       _ compute: Compute) {
        compute.parallelRanges(rows, grain: grain(h)) { range in
            for r in range {
                let g = gates + r &* 3 &* h, p = hiddenProjection + r &* 3 &* h
                let dx = inputGateGradient + r &* 3 &* h, dp = hiddenGateGradient + r &* 3 &* h
                let hp = previousHidden.base + r &* previousHidden.stride
                let dy = outputGradient.base + r &* outputGradient.stride, dhNext = hiddenGradient + r &* h
                let vectorEnd = gruBackwardVectors(g, p, hp, dy, dhNext, dx, dp, size: h)
                for j in vectorEnd..<h {
                    let reset = g[j], update = g[h &+ j], candidate = g[2 &* h &+ j]
                    let dh = dy[j] + dhNext[j]
                    let dCandidate = dh * (1 - update) * (1 - candidate * candidate)
                    let dReset = dCandidate * p[2 &* h &+ j] * reset * (1 - reset)
                    let dUpdate = dh * (hp[j] - candidate) * update * (1 - update)
                    dx[j] = dReset
                    dx[h &+ j] = dUpdate
                    dx[2 &* h &+ j] = dCandidate
                    dp[j] = dReset
                    dp[h &+ j] = dUpdate
                    dp[2 &* h &+ j] = dCandidate * reset
                    dhNext[j] = dh * update
                }
            }
        }
    }

    /// `lstmBackwardStep` for one row's whole vectors of units (the same expressions
    /// lane by lane); returns where the scalar tail starts.
    @inline(__always) static func lstmBackwardVectors(_ g: UnsafePointer<Self>, _ cp: UnsafePointer<Self>,
                                                      _ ct: UnsafePointer<Self>, _ dy: UnsafeMutablePointer<Self>,
                                                      _ dhNext: UnsafePointer<Self>, _ dc: UnsafeMutablePointer<Self>,
                                                      _ da: UnsafeMutablePointer<Self>, size h: Int) -> Int {
        let lanes = Vector.scalarCount, vectorEnd = h - h % lanes
        var j = 0
        while j < vectorEnd {
            let (fj, gj, oj) = (h &+ j, 2 &* h &+ j, 3 &* h &+ j)
            let i: Vector = load(g + j), f: Vector = load(g + fj), u: Vector = load(g + gj), o: Vector = load(g + oj)
            let tanhC: Vector = load(ct + j)
            let dh: Vector = load(dy + j) + load(dhNext + j)
            let dcTotal: Vector = load(dc + j) + dh * o * (1 - tanhC * tanhC)
            store(dcTotal * u * i * (1 - i), da + j)
            store(dcTotal * load(cp + j) * f * (1 - f), da + fj)
            store(dcTotal * i * (1 - u * u), da + gj)
            store(dh * tanhC * o * (1 - o), da + oj)
            store(dcTotal * f, dc + j)
            j &+= lanes
        }
        return vectorEnd
    }

    /// `gruBackwardStep` for one row's whole vectors of units; returns where the scalar
    /// tail starts.
    @inline(__always) static func gruBackwardVectors(_ g: UnsafePointer<Self>, _ p: UnsafePointer<Self>,
                                                     _ hp: UnsafeMutablePointer<Self>, _ dy: UnsafeMutablePointer<Self>,
                                                     _ dhNext: UnsafeMutablePointer<Self>,
                                                     _ dx: UnsafeMutablePointer<Self>, _ dp: UnsafeMutablePointer<Self>,
                                                     size h: Int) -> Int {
        let lanes = Vector.scalarCount, vectorEnd = h - h % lanes
        var j = 0
        while j < vectorEnd {
            let (zj, nj) = (h &+ j, 2 &* h &+ j)
            let reset: Vector = load(g + j), update: Vector = load(g + zj), candidate: Vector = load(g + nj)
            let dh: Vector = load(dy + j) + load(dhNext + j)
            let dCandidate = dh * (1 - update) * (1 - candidate * candidate)
            let dReset = dCandidate * load(p + nj) * reset * (1 - reset)
            let dUpdate = dh * (load(hp + j) - candidate) * update * (1 - update)
            store(dReset, dx + j)
            store(dUpdate, dx + zj)
            store(dCandidate, dx + nj)
            store(dReset, dp + j)
            store(dUpdate, dp + zj)
            store(dCandidate * reset, dp + nj)
            store(dh * update, dhNext + j)
            j &+= lanes
        }
        return vectorEnd
    }

    public static func swapLeadingAxes(_ source: UnsafePointer<Self>, _ a: Int, _ b: Int, inner: Int,
                                       into target: UnsafeMutablePointer<Self>) {
        if inner == 1 {
            transpose(source, rows: a, columns: b, sourceStride: b, into: target, targetStride: a)
            return
        }
        for i in 0..<a {
            for j in 0..<b {
                let from = source + (i &* b &+ j) &* inner, to = target + (j &* a &+ i) &* inner
                for k in 0..<inner { to[k] = from[k] }
            }
        }
    }

    public static func copyRows(_ source: StridedRows<Self>, to target: StridedRows<Self>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let from = source.base + r &* source.stride, to = target.base + r &* target.stride
            for c in 0..<columns { to[c] = from[c] }
        }
    }
}

extension Float {
    @inline(__always) public static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> { 1 / (1 + exponential(-x)) }

    /// 1 - 2/(e²ˣ + 1): exact to Float's absolute rounding, ±1 past |x| ≈ 44.
    @inline(__always) public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> { 1 - 2 / (exponential(x + x) + 1) }
}

extension Double {
    @inline(__always) public static func sigmoid(_ x: SIMD8<Double>) -> SIMD8<Double> {
        var y = x
        for lane in 0..<8 { y[lane] = 1 / (1 + Foundation.exp(-x[lane])) }
        return y
    }

    @inline(__always) public static func tanh(_ x: SIMD8<Double>) -> SIMD8<Double> {
        var y = x
        for lane in 0..<8 { y[lane] = Foundation.tanh(x[lane]) }
        return y
    }
}
