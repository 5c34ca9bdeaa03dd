/// Kernels of the normalisation layers, on inputs viewed as [N, C, S] (S = H·W, or 1
/// for [N, D] inputs, where the D features play the role of channels).
///
/// - Channel statistics (batchnorm): one mean and variance per channel over N and S.
/// - Group statistics (layernorm, instancenorm): one mean and variance per contiguous
///   block of `channelsPerBlock` channels of one sample; layernorm has one block per
///   sample, instancenorm one per (sample, channel).
/// - RMS statistics (rmsnorm): one root mean square per sample.
/// The affine parameters γ, β are per channel, except rmsnorm's elementwise weight.
public protocol NormalizationKernels: KernelScalar {
    /// Biased mean and variance of each channel over N and S.
    static func channelStatistics(_ x: UnsafePointer<Self>, n: Int, c: Int, s: Int,
                                  mean: UnsafeMutablePointer<Self>, variance: UnsafeMutablePointer<Self>,
                                  _ compute: Compute)
    /// After a training batch: `invstd = 1 / √(σ² + eps)` from the biased batch variance,
    /// and the running statistics `running = (1 - momentum) · running + momentum · batch`
    /// with the unbiased variance (σ² · count / (count - 1)), as PyTorch.
    static func batchNormStatistics(mean: UnsafePointer<Self>, variance: UnsafePointer<Self>, count: Int, channels: Int,
                                    momentum: Double, eps: Double, runningMean: UnsafeMutablePointer<Self>,
                                    runningVar: UnsafeMutablePointer<Self>, invstd: UnsafeMutablePointer<Self>)
    /// `invstd[c] = 1 / √(variance[c] + eps)`.
    static func inverseStandardDeviation(variance: UnsafePointer<Self>, eps: Double,
                                         into invstd: UnsafeMutablePointer<Self>, count: Int)
    /// `xhat = (x - mean_c) · invstd_c`, `y = γ_c · xhat + β_c`, and with `relu`
    /// `y = max(y, 0)`: a ReLU that follows the batchnorm, in the same pass.
    static func channelNormalize(_ x: UnsafePointer<Self>, n: Int, c: Int, s: Int,
                                 mean: UnsafePointer<Self>, invstd: UnsafePointer<Self>,
                                 gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>, relu: Bool,
                                 xhat: UnsafeMutablePointer<Self>, y: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// Per channel: `sumDy_c = Σ g`, `sumDyXhat_c = Σ g · xhat` over N and S (overwritten),
    /// where g is dy, or with `relu` (the batchnorm's γ and β) the gradient through the ReLU
    /// of `γ · xhat + β`: dy where that is positive. The sign comes from xhat, which is read
    /// anyway, so the ReLU's output need not be.
    static func channelGradientSums(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>,
                                    relu: ReLUAffine<Self>?, n: Int, c: Int, s: Int,
                                    sumDy: UnsafeMutablePointer<Self>, sumDyXhat: UnsafeMutablePointer<Self>,
                                    _ compute: Compute)
    /// `dx = γ_c · invstd_c · (g - sumDy_c / m - xhat · sumDyXhat_c / m)` with g as in
    /// `channelGradientSums`; with `m == 0` (statistics that do not depend on x, as in
    /// evaluation) `dx = γ_c · invstd_c · g`.
    static func channelNormalizeBackward(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>,
                                         relu: ReLUAffine<Self>?, n: Int, c: Int, s: Int,
                                         invstd: UnsafePointer<Self>, gamma: UnsafePointer<Self>,
                                         sumDy: UnsafePointer<Self>, sumDyXhat: UnsafePointer<Self>, m: Int,
                                         dx: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// Normalises each of `blocks` contiguous blocks of `channelsPerBlock · s` elements by
    /// its own biased mean and variance, then applies γ_c, β_c of the element's channel
    /// (`channels` per sample). Writes `invstd[block]`.
    static func groupNormalize(_ x: UnsafePointer<Self>, blocks: Int, channelsPerBlock: Int, s: Int, channels: Int,
                               eps: Self, gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>,
                               xhat: UnsafeMutablePointer<Self>, y: UnsafeMutablePointer<Self>,
                               invstd: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// dx of `groupNormalize`: per block, with `g = dy · γ_c`,
    /// `dx = invstd · (g - mean(g) - xhat · mean(g · xhat))`.
    static func groupNormalizeBackward(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>,
                                       invstd: UnsafePointer<Self>, blocks: Int, channelsPerBlock: Int, s: Int,
                                       channels: Int, gamma: UnsafePointer<Self>, dx: UnsafeMutablePointer<Self>,
                                       _ compute: Compute)
    /// RMSNorm over each row of `size`: `y = x · r · w` with `r = 1 / √(mean(x²) + eps)`.
    static func rmsNormalize(_ x: UnsafePointer<Self>, rows: Int, size: Int, eps: Self, weight: UnsafePointer<Self>,
                             y: UnsafeMutablePointer<Self>, inverseRMS: UnsafeMutablePointer<Self>,
                             _ compute: Compute)
    /// Backward of `rmsNormalize`: `dx = r · (w·dy) - x · r³ · mean(w · dy · x)`, and
    /// `dw += Σ_rows dy · x · r`.
    static func rmsNormalizeBackward(_ dy: UnsafePointer<Self>, _ x: UnsafePointer<Self>,
                                     inverseRMS: UnsafePointer<Self>, rows: Int, size: Int,
                                     weight: UnsafePointer<Self>, dx: UnsafeMutablePointer<Self>,
                                     dWeight: UnsafeMutablePointer<Self>, _ compute: Compute)
}

extension NormalizationKernels {
    /// `sums[j] += row[j]`.
    @inline(__always) fileprivate static func addRow(_ row: UnsafePointer<Self>, into sums: UnsafeMutablePointer<Self>,
                                                     _ count: Int) {
        let lanes = Vector.scalarCount
        var j = 0
        while j + lanes <= count { store(load(sums + j) + load(row + j), sums + j); j += lanes }
        while j < count { sums[j] += row[j]; j += 1 }
    }

    /// `sums[j] += (row[j] - center[j])²`.
    @inline(__always) fileprivate static func addSquaredDeviation(_ row: UnsafePointer<Self>, from center: UnsafePointer<Self>,
                                                                  into sums: UnsafeMutablePointer<Self>, _ count: Int) {
        let lanes = Vector.scalarCount
        var j = 0
        while j + lanes <= count {
            let d = load(row + j) - load(center + j)
            var acc = load(sums + j)
            acc.addProduct(d, d)
            store(acc, sums + j)
            j += lanes
        }
        while j < count { sums[j] += (row[j] - center[j]) * (row[j] - center[j]); j += 1 }
    }

    /// Σ x[i].
    @inline(__always) fileprivate static func sum(_ x: UnsafePointer<Self>, _ count: Int) -> Self {
        let lanes = Vector.scalarCount
        var acc = Vector(), i = 0
        while i + lanes <= count { acc += load(x + i); i += lanes }
        var total = laneTotal(acc)
        while i < count { total += x[i]; i += 1 }
        return total
    }

    /// Σ (x[i] - center)².
    @inline(__always) fileprivate static func squaredDeviation(_ x: UnsafePointer<Self>, _ count: Int, around center: Self) -> Self {
        let lanes = Vector.scalarCount
        let m = Vector(repeating: center)
        var acc = Vector(), i = 0
        while i + lanes <= count {
            let d = load(x + i) - m
            acc.addProduct(d, d)
            i += lanes
        }
        var total = laneTotal(acc)
        while i < count { total += (x[i] - center) * (x[i] - center); i += 1 }
        return total
    }

    /// Σ a[i] · b[i].
    @inline(__always) fileprivate static func dot(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ count: Int) -> Self {
        let lanes = Vector.scalarCount
        var acc = Vector(), i = 0
        while i + lanes <= count { acc.addProduct(load(a + i), load(b + i)); i += lanes }
        var total = laneTotal(acc)
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// `y[i] = a · x[i] + b`.
    @inline(__always) fileprivate static func affine(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ count: Int,
                                         scale a: Self, shift b: Self) {
        let lanes = Vector.scalarCount
        let av = Vector(repeating: a), bv = Vector(repeating: b)
        var i = 0
        while i + lanes <= count { store(load(x + i) * av + bv, y + i); i += lanes }
        while i < count { y[i] = a * x[i] + b; i += 1 }
    }

    /// `y[i] = a[i] · x[i] + b[i]` (b = 0 when nil): the affine of a block whose channels
    /// are single features (a layernorm over one position's F), a vector at a time.
    @inline(__always) fileprivate static func featureAffine(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                                            _ count: Int, scale a: UnsafePointer<Self>,
                                                            shift b: UnsafePointer<Self>?) {
        let lanes = Vector.scalarCount
        var i = 0
        while i + lanes <= count {
            store(load(a + i) * load(x + i) + (b.map { load($0 + i) } ?? Vector()), y + i)
            i += lanes
        }
        while i < count { y[i] = a[i] * x[i] + (b?[i] ?? 0); i += 1 }
    }

    public static func batchNormStatistics(mean: UnsafePointer<Self>, variance: UnsafePointer<Self>, count: Int,
                                           channels: Int, momentum: Double, eps: Double,
                                           runningMean: UnsafeMutablePointer<Self>,
                                           runningVar: UnsafeMutablePointer<Self>, invstd: UnsafeMutablePointer<Self>) {
        let m = Self(momentum), e = Self(eps), unbiased = Self(Double(count) / Double(count - 1))
        for ch in 0..<channels {
            invstd[ch] = 1 / (variance[ch] + e).squareRoot()
            runningMean[ch] = (1 - m) * runningMean[ch] + m * mean[ch]
            runningVar[ch] = (1 - m) * runningVar[ch] + m * variance[ch] * unbiased
        }
    }

    public static func inverseStandardDeviation(variance: UnsafePointer<Self>, eps: Double,
                                                into invstd: UnsafeMutablePointer<Self>, count: Int) {
        let e = Self(eps)
        for ch in 0..<count { invstd[ch] = 1 / (variance[ch] + e).squareRoot() }
    }

    public static func channelStatistics(_ x: UnsafePointer<Self>, n: Int, c: Int, s: Int,
                                         mean: UnsafeMutablePointer<Self>, variance: UnsafeMutablePointer<Self>,
                                         _ compute: Compute) {
        let m = Self(n * s)
        if s == 1 {
            // [N, D]: walk rows, vectorised across features; threads take feature ranges.
            compute.parallelRanges(c, grain: 64) { channels in
                let lo = channels.lowerBound, width = channels.count
                (mean + lo).update(repeating: 0, count: width)
                (variance + lo).update(repeating: 0, count: width)
                for row in 0..<n { addRow(x + row * c + lo, into: mean + lo, width) }
                let scale = 1 / m
                for j in 0..<width { mean[lo + j] *= scale }
                for row in 0..<n { addSquaredDeviation(x + row * c + lo, from: mean + lo, into: variance + lo, width) }
                for j in 0..<width { variance[lo + j] *= scale }
            }
            return
        }
        compute.parallelRanges(c) { channels in
            for ch in channels {
                var total: Self = 0
                for i in 0..<n { total += sum(x + (i * c + ch) * s, s) }
                let mu = total / m
                var deviation: Self = 0
                for i in 0..<n { deviation += squaredDeviation(x + (i * c + ch) * s, s, around: mu) }
                mean[ch] = mu
                variance[ch] = deviation / m
            }
        }
    }

    /// dy at i, or through a ReLU of `γ · xhat + β` (γ, β given as vectors): 0 where that is
    /// not positive.
    // The gradient through an optional fused ReLU, as a flag and plain values: an
    // Optional of a vector pair in the loop went through outlined enum code per vector
    // (a call, and spills), which made these passes several times slower.
    @inline(__always) fileprivate static func gradient(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>, _ i: Int,
                                                       fused: Bool, gamma: Vector, beta: Vector) -> Vector {
        fused ? keep(load(dy + i), wherePositive: load(xhat + i) * gamma + beta) : load(dy + i)
    }

    @inline(__always) fileprivate static func gradient(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>, at i: Int,
                                                       fused: Bool, gamma: Self, beta: Self) -> Self {
        !fused || xhat[i] * gamma + beta > 0 ? dy[i] : 0
    }

    /// γ and β of the fused ReLU at `index`, as vectors (zero without one).
    @inline(__always) fileprivate static func affine(_ relu: ReLUAffine<Self>?, _ index: Int) -> (Vector, Vector) {
        guard let relu else { return (Vector(), Vector()) }
        return (load(relu.gamma + index), load(relu.beta + index))
    }

    /// The same, one scalar each.
    @inline(__always) fileprivate static func affine(_ relu: ReLUAffine<Self>?, at index: Int) -> (Self, Self) {
        guard let relu else { return (0, 0) }
        return (relu.gamma[index], relu.beta[index])
    }

    public static func channelNormalize(_ x: UnsafePointer<Self>, n: Int, c: Int, s: Int,
                                        mean: UnsafePointer<Self>, invstd: UnsafePointer<Self>,
                                        gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>, relu: Bool,
                                        xhat: UnsafeMutablePointer<Self>, y: UnsafeMutablePointer<Self>,
                                        _ compute: Compute) {
        let lanes = Vector.scalarCount
        if s == 1 {
            compute.parallelRanges(n, grain: Swift.max(1, 4096 / c)) { rows in
                for row in rows {
                    let offset = row * c
                    var j = 0
                    while j + lanes <= c {
                        let r = load(invstd + j)
                        let normalized = load(x + offset + j) * r + (-load(mean + j) * r)
                        store(normalized, xhat + offset + j)
                        let out = normalized * load(gamma + j) + load(beta + j)
                        store(relu ? positivePart(out) : out, y + offset + j)
                        j += lanes
                    }
                    while j < c {
                        let normalized = x[offset + j] * invstd[j] + (-mean[j] * invstd[j])
                        xhat[offset + j] = normalized
                        let out = normalized * gamma[j] + beta[j]
                        y[offset + j] = relu && out < 0 ? 0 : out
                        j += 1
                    }
                }
            }
            return
        }
        compute.parallelRanges(n * c, grain: Swift.max(1, 4096 / s)) { rows in
            for row in rows {
                let ch = row % c, offset = row * s
                let r = invstd[ch], shift = -mean[ch] * invstd[ch], g = gamma[ch], b = beta[ch]
                let rV = Vector(repeating: r), shiftV = Vector(repeating: shift)
                let gV = Vector(repeating: g), bV = Vector(repeating: b)
                var i = offset
                while i + lanes <= offset + s {
                    let normalized = load(x + i) * rV + shiftV
                    store(normalized, xhat + i)
                    let out = normalized * gV + bV
                    store(relu ? positivePart(out) : out, y + i)
                    i += lanes
                }
                while i < offset + s {
                    let normalized = x[i] * r + shift
                    xhat[i] = normalized
                    let out = normalized * g + b
                    y[i] = relu && out < 0 ? 0 : out
                    i += 1
                }
            }
        }
    }

    /// `channelGradientSums` on [N, C] (one value per channel and sample): each thread
    /// takes a range of channels and walks the rows, vectorised across its channels.
    @inline(__always)
    private static func featureGradientSums(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>,
                                            relu: ReLUAffine<Self>?, n: Int, c: Int,
                                            sumDy: UnsafeMutablePointer<Self>, sumDyXhat: UnsafeMutablePointer<Self>,
                                            _ compute: Compute) {
        let lanes = Vector.scalarCount, fused = relu != nil
        compute.parallelRanges(c, grain: 64) { channels in
            let lo = channels.lowerBound, width = channels.count
            (sumDy + lo).update(repeating: 0, count: width)
            (sumDyXhat + lo).update(repeating: 0, count: width)
            for row in 0..<n {
                let offset = row * c + lo
                var j = 0
                while j + lanes <= width {
                    let (rg, rb) = affine(relu, lo + j)
                    let g = gradient(dy, xhat, offset + j, fused: fused, gamma: rg, beta: rb)
                    store(load(sumDy + lo + j) + g, sumDy + lo + j)
                    var acc = load(sumDyXhat + lo + j)
                    acc.addProduct(g, load(xhat + offset + j))
                    store(acc, sumDyXhat + lo + j)
                    j += lanes
                }
                while j < width {
                    let (rg, rb) = affine(relu, at: lo + j)
                    let g = gradient(dy, xhat, at: offset + j, fused: fused, gamma: rg, beta: rb)
                    sumDy[lo + j] += g
                    sumDyXhat[lo + j] += g * xhat[offset + j]
                    j += 1
                }
            }
        }
    }

    public static func channelGradientSums(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>,
                                           relu: ReLUAffine<Self>?, n: Int, c: Int, s: Int,
                                           sumDy: UnsafeMutablePointer<Self>, sumDyXhat: UnsafeMutablePointer<Self>,
                                           _ compute: Compute) {
        let lanes = Vector.scalarCount, fused = relu != nil
        if s == 1 {
            featureGradientSums(dy, xhat, relu: relu, n: n, c: c, sumDy: sumDy, sumDyXhat: sumDyXhat, compute)
            return
        }
        compute.parallelRanges(c) { channels in
            for ch in channels {
                // One pass over each (sample, channel) plane for both sums.
                var a = Vector(), b = Vector()
                var tailA: Self = 0, tailB: Self = 0
                let (rg, rb) = affine(relu, at: ch)
                let rgV = Vector(repeating: rg), rbV = Vector(repeating: rb)
                for sample in 0..<n {
                    let offset = (sample * c + ch) * s
                    var i = offset
                    while i + lanes <= offset + s {
                        let g = gradient(dy, xhat, i, fused: fused, gamma: rgV, beta: rbV)
                        a += g
                        b.addProduct(g, load(xhat + i))
                        i += lanes
                    }
                    while i < offset + s {
                        let g = gradient(dy, xhat, at: i, fused: fused, gamma: rg, beta: rb)
                        tailA += g
                        tailB += g * xhat[i]
                        i += 1
                    }
                }
                sumDy[ch] = a.sum() + tailA
                sumDyXhat[ch] = b.sum() + tailB
            }
        }
    }

    public static func channelNormalizeBackward(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>,
                                                relu: ReLUAffine<Self>?, n: Int, c: Int, s: Int,
                                                invstd: UnsafePointer<Self>, gamma: UnsafePointer<Self>,
                                                sumDy: UnsafePointer<Self>, sumDyXhat: UnsafePointer<Self>, m: Int,
                                                dx: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let scale: Self = m == 0 ? 0 : 1 / Self(m)
        let lanes = Vector.scalarCount, fused = relu != nil
        if s == 1 {
            compute.parallelRanges(n, grain: Swift.max(1, 4096 / c)) { rows in
                let scaleV = Vector(repeating: scale)
                for row in rows {
                    let offset = row * c
                    var j = 0
                    while j + lanes <= c {
                        let k = load(gamma + j) * load(invstd + j)
                        let (rg, rb) = affine(relu, j)
                        store(k * (gradient(dy, xhat, offset + j, fused: fused, gamma: rg, beta: rb) - load(sumDy + j) * scaleV
                                   - load(xhat + offset + j) * (load(sumDyXhat + j) * scaleV)), dx + offset + j)
                        j += lanes
                    }
                    while j < c {
                        let k = gamma[j] * invstd[j]
                        let (rg, rb) = affine(relu, at: j)
                        dx[offset + j] = k * (gradient(dy, xhat, at: offset + j, fused: fused, gamma: rg, beta: rb)
                                              - sumDy[j] * scale
                                              - xhat[offset + j] * (sumDyXhat[j] * scale))
                        j += 1
                    }
                }
            }
            return
        }
        compute.parallelRanges(n * c, grain: Swift.max(1, 4096 / s)) { rows in
            for row in rows {
                let ch = row % c, offset = row * s
                let k = gamma[ch] * invstd[ch]
                let meanDy = sumDy[ch] * scale
                let meanDyXhat = sumDyXhat[ch] * scale
                let kv = Vector(repeating: k), mdy = Vector(repeating: meanDy), mdx = Vector(repeating: meanDyXhat)
                let (rg, rb) = affine(relu, at: ch)
                let rgV = Vector(repeating: rg), rbV = Vector(repeating: rb)
                var i = offset
                while i + lanes <= offset + s {
                    store(kv * (gradient(dy, xhat, i, fused: fused, gamma: rgV, beta: rbV) - mdy - load(xhat + i) * mdx), dx + i)
                    i += lanes
                }
                while i < offset + s {
                    dx[i] = k * (gradient(dy, xhat, at: i, fused: fused, gamma: rg, beta: rb) - meanDy - xhat[i] * meanDyXhat)
                    i += 1
                }
            }
        }
    }

    public static func groupNormalize(_ x: UnsafePointer<Self>, blocks: Int, channelsPerBlock: Int, s: Int,
                                      channels: Int, eps: Self, gamma: UnsafePointer<Self>,
                                      beta: UnsafePointer<Self>, xhat: UnsafeMutablePointer<Self>,
                                      y: UnsafeMutablePointer<Self>, invstd: UnsafeMutablePointer<Self>,
                                      _ compute: Compute) {
        let size = channelsPerBlock * s
        compute.parallelRanges(blocks, grain: Swift.max(1, 4096 / size)) { range in
            for block in range {
                let start = block * size
                let mu = sum(x + start, size) / Self(size)
                let variance = squaredDeviation(x + start, size, around: mu) / Self(size)
                let r = 1 / (variance + eps).squareRoot()
                invstd[block] = r
                affine(x + start, xhat + start, size, scale: r, shift: -mu * r)
                let firstChannel = (block * channelsPerBlock) % channels
                if s == 1 {
                    featureAffine(xhat + start, y + start, size, scale: gamma + firstChannel, shift: beta + firstChannel)
                    continue
                }
                for j in 0..<channelsPerBlock {
                    let offset = start + j * s
                    affine(xhat + offset, y + offset, s, scale: gamma[firstChannel + j], shift: beta[firstChannel + j])
                }
            }
        }
    }

    public static func groupNormalizeBackward(_ dy: UnsafePointer<Self>, _ xhat: UnsafePointer<Self>,
                                              invstd: UnsafePointer<Self>, blocks: Int, channelsPerBlock: Int,
                                              s: Int, channels: Int, gamma: UnsafePointer<Self>,
                                              dx: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let size = channelsPerBlock * s
        compute.parallelRanges(blocks, grain: Swift.max(1, 4096 / size)) { range in
            for block in range {
                let start = block * size
                let firstChannel = (block * channelsPerBlock) % channels
                // g = dy · γ goes into dx first, then dx is rewritten in place.
                if s == 1 {
                    featureAffine(dy + start, dx + start, size, scale: gamma + firstChannel, shift: nil)
                } else {
                    for j in 0..<channelsPerBlock {
                        let offset = start + j * s
                        affine(dy + offset, dx + offset, s, scale: gamma[firstChannel + j], shift: 0)
                    }
                }
                let meanG = sum(dx + start, size) / Self(size)
                let meanGXhat = dot(dx + start, xhat + start, size) / Self(size)
                let r = invstd[block]
                for i in start..<(start + size) { dx[i] = r * (dx[i] - meanG - xhat[i] * meanGXhat) }
            }
        }
    }

    public static func rmsNormalize(_ x: UnsafePointer<Self>, rows: Int, size: Int, eps: Self,
                                    weight: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>,
                                    inverseRMS: UnsafeMutablePointer<Self>, _ compute: Compute) {
        compute.parallelRanges(rows, grain: Swift.max(1, 4096 / size)) { range in
            for row in range {
                let start = row * size
                let r = 1 / (dot(x + start, x + start, size) / Self(size) + eps).squareRoot()
                inverseRMS[row] = r
                for i in 0..<size { y[start + i] = x[start + i] * r * weight[i] }
            }
        }
    }

    public static func rmsNormalizeBackward(_ dy: UnsafePointer<Self>, _ x: UnsafePointer<Self>,
                                            inverseRMS: UnsafePointer<Self>, rows: Int, size: Int,
                                            weight: UnsafePointer<Self>, dx: UnsafeMutablePointer<Self>,
                                            dWeight: UnsafeMutablePointer<Self>, _ compute: Compute) {
        compute.parallelRanges(rows, grain: Swift.max(1, 4096 / size)) { range in
            for row in range {
                let start = row * size
                let r = inverseRMS[row]
                var projection: Self = 0  // Σ w · dy · x
                for i in 0..<size { projection += weight[i] * dy[start + i] * x[start + i] }
                let k = r * r * r * projection / Self(size)
                for i in 0..<size { dx[start + i] = r * weight[i] * dy[start + i] - k * x[start + i] }
            }
        }
        // dw is a sum over rows: one pass in row order, so the result does not depend on threads.
        for row in 0..<rows {
            let start = row * size, r = inverseRMS[row]
            for i in 0..<size { dWeight[i] += dy[start + i] * x[start + i] * r }
        }
    }
}

/// A batchnorm's γ and β, per channel, when a ReLU of its output is fused into it.
public struct ReLUAffine<T: KernelScalar> {
    public var gamma: UnsafePointer<T>
    public var beta: UnsafePointer<T>
    public init(gamma: UnsafePointer<T>, beta: UnsafePointer<T>) {
        self.gamma = gamma
        self.beta = beta
    }
}
