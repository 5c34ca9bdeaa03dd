/// A pointwise activation function, with the parameter that some of them take.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyReLU(slope: Double)
    case sigmoid
    case tanh
    /// The exact GELU, x·Φ(x) with Φ from erf.
    case gelu
    /// SiLU (swish), x·σ(x).
    case silu

    /// Whether the function has a kink (a point where it is not differentiable), which
    /// the gradient checker must not step across.
    public var hasKink: Bool {
        switch self {
        case .relu, .leakyReLU: true
        case .sigmoid, .tanh, .gelu, .silu: false
        }
    }
}

/// Pointwise and row-wise kernels: activations, bias, sums, scaled additions.
public protocol ElementwiseKernels: KernelScalar {
    /// `y[i] = f(x[i])` for `count` elements.
    static func activationForward(_ f: Activation, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                  count: Int, _ compute: Compute)
    /// `dx[i] = dy[i] · f'(x[i])`, given the forward's input `x` and output `y`.
    static func activationBackward(_ f: Activation, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>,
                                   _ dy: UnsafePointer<Self>, _ dx: UnsafeMutablePointer<Self>,
                                   count: Int, _ compute: Compute)
    /// The exact GELU as `activationForward(.gelu)` computes it, also keeping each
    /// `t = 1 + erf(x/√2)` (so y = x·t/2), which `geluBackward` needs again.
    static func geluForward(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                            erfTerms t: UnsafeMutablePointer<Self>, count: Int, _ compute: Compute)
    /// `activationBackward(.gelu)` from the forward's `t = 1 + erf(x/√2)`: Φ(x) = t/2 is
    /// read rather than computed again (the erf, with its division and exp, was over half
    /// of the backward's work). The same values, so the same bits.
    static func geluBackward(_ x: UnsafePointer<Self>, erfTerms t: UnsafePointer<Self>, _ dy: UnsafePointer<Self>,
                             _ dx: UnsafeMutablePointer<Self>, count: Int, _ compute: Compute)
    /// `y[r, c] += v[c]` for a [rows, columns] matrix: adds a bias to every row.
    static func addRowVector(_ v: UnsafePointer<Self>, to y: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
    /// `sums[c] += Σ_r x[r, c]` for a [rows, columns] matrix: the bias gradient.
    static func accumulateColumnSums(_ x: UnsafePointer<Self>, rows: Int, columns: Int,
                                     into sums: UnsafeMutablePointer<Self>)
    /// `y[i] = a[i] + b[i]`: the sum of a residual block's branches, in one pass.
    static func add(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)
    /// `y[i] += alpha · x[i]`.
    static func axpy(_ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
    /// `y[i] = x[i] · mask[i]`, split over the threads.
    static func multiply(_ x: UnsafePointer<Self>, _ mask: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                         count: Int, _ compute: Compute)
    /// `y[n, c, s] += bias[c]` for [N, C, S] (a convolution's bias).
    static func addChannelBias(_ bias: UnsafePointer<Self>, to y: UnsafeMutablePointer<Self>, n: Int, c: Int, s: Int,
                               _ compute: Compute)
    /// `sums[c] += Σ_{n,s} x[n, c, s]` for [N, C, S] (a convolution's bias gradient).
    static func accumulateChannelSums(_ x: UnsafePointer<Self>, n: Int, c: Int, s: Int,
                                      into sums: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// `x[i] = value`.
    static func fill(_ x: UnsafeMutablePointer<Self>, with value: Self, count: Int)
    /// An inverted-dropout mask: `units` runs of `unitSize` equal entries, each
    /// `1/(1-p)` with probability 1 - p, else 0; one uniform draw per unit, in order.
    static func dropoutMask(_ mask: UnsafeMutablePointer<Self>, units: Int, unitSize: Int, p: Double,
                            random: inout RandomGenerator)
    /// Σ x[i]², accumulated in Double (for the `reg` term and the gradient norm): the
    /// blocks of `squareSumsOfBlocks`, added in order.
    static func sumOfSquares(_ x: UnsafePointer<Self>, count: Int) -> Double
    /// `sums[b] = Σ x[i]²` over block `b` (elements `b·squareSumBlock ..<` the next block or
    /// `count`) for each `b` in `blocks`, each summed in the scalar's vectors and widened to
    /// Double: the parts of `sumOfSquares`, which threads can take in any split.
    static func squareSumsOfBlocks(_ x: UnsafePointer<Self>, count: Int, blocks: Range<Int>,
                                   into sums: UnsafeMutablePointer<Double>)
    /// `x[i] *= alpha` (gradient clipping).
    static func scale(_ x: UnsafeMutablePointer<Self>, by alpha: Self, count: Int)
}

extension ElementwiseKernels {
    public static func activationForward(_ f: Activation, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                         count: Int, _ compute: Compute) {
        compute.parallelRanges(count, grain: 1 << 14) { range in
            switch f {
            // Plain loops: LLVM vectorises them into compare-and-blend; SIMD masks in
            // Swift do not lower as well.
            case .relu:
                for i in range { y[i] = x[i] > 0 ? x[i] : 0 }
            case .leakyReLU(let slope):
                let s = Self(slope)
                for i in range { y[i] = x[i] > 0 ? x[i] : s * x[i] }
            case .sigmoid:
                for i in range { y[i] = 1 / (1 + exp(-x[i])) }
            case .tanh:
                for i in range { y[i] = tanh(x[i]) }
            case .gelu:
                geluForward(x, y, range)
            case .silu:
                for i in range { y[i] = x[i] / (1 + exp(-x[i])) }
            }
        }
    }

    public static func activationBackward(_ f: Activation, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>,
                                          _ dy: UnsafePointer<Self>, _ dx: UnsafeMutablePointer<Self>,
                                          count: Int, _ compute: Compute) {
        compute.parallelRanges(count, grain: 1 << 14) { range in
            switch f {
            case .relu:
                for i in range { dx[i] = x[i] > 0 ? dy[i] : 0 }
            case .leakyReLU(let slope):
                let s = Self(slope)
                for i in range { dx[i] = x[i] > 0 ? dy[i] : s * dy[i] }
            case .sigmoid:
                for i in range { dx[i] = dy[i] * y[i] * (1 - y[i]) }
            case .tanh:
                for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
            case .gelu:
                geluBackward(x, dy, dx, range)
            case .silu:
                // d/dx x·σ(x) = σ(x) + x·σ(x)(1 - σ(x)) = σ(x)(1 + x(1 - σ(x)))
                for i in range {
                    let s = 1 / (1 + exp(-x[i]))
                    dx[i] = dy[i] * s * (1 + x[i] * (1 - s))
                }
            }
        }
    }

    /// `y = x·Φ(x) = x·(1 + erf(x/√2))/2` over `range`, a vector at a time (`errorFunction`).
    @inline(__always) static func geluForward(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                              _ range: Range<Int>) {
        let invSqrt2 = 1 / Self(2).squareRoot(), lanes = Vector.scalarCount
        var i = range.lowerBound
        while i + lanes <= range.upperBound {
            let v: Vector = load(x + i)
            store(v * (1 + errorFunction(v * invSqrt2)) / 2, y + i)
            i += lanes
        }
        for i in i..<range.upperBound { y[i] = x[i] * (1 + erf(x[i] * invSqrt2)) / 2 }
    }

    /// `dx = dy·(Φ(x) + x·φ(x))`, the derivative of x·Φ(x), over `range`, a vector at a time.
    @inline(__always) static func geluBackward(_ x: UnsafePointer<Self>, _ dy: UnsafePointer<Self>,
                                               _ dx: UnsafeMutablePointer<Self>, _ range: Range<Int>) {
        let invSqrt2 = 1 / Self(2).squareRoot(), invSqrt2Pi = 1 / (2 * Self.pi).squareRoot()
        let lanes = Vector.scalarCount
        var i = range.lowerBound
        while i + lanes <= range.upperBound {
            let v: Vector = load(x + i), g: Vector = load(dy + i)
            let cdf = (1 + errorFunction(v * invSqrt2)) / 2
            let pdf = fusedExponential(-v * v / 2) * invSqrt2Pi
            store(g * (cdf + v * pdf), dx + i)
            i += lanes
        }
        for i in i..<range.upperBound {
            let cdf = (1 + erf(x[i] * invSqrt2)) / 2
            let pdf = exp(-x[i] * x[i] / 2) * invSqrt2Pi
            dx[i] = dy[i] * (cdf + x[i] * pdf)
        }
    }

    public static func geluForward(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                   erfTerms t: UnsafeMutablePointer<Self>, count: Int, _ compute: Compute) {
        let invSqrt2 = 1 / Self(2).squareRoot(), lanes = Vector.scalarCount
        compute.parallelRanges(count, grain: 1 << 14) { range in
            var i = range.lowerBound
            while i + lanes <= range.upperBound {
                let v: Vector = load(x + i), terms = 1 + errorFunction(v * invSqrt2)
                store(terms, t + i)
                store(v * terms / 2, y + i)
                i += lanes
            }
            for i in i..<range.upperBound {
                t[i] = 1 + erf(x[i] * invSqrt2)
                y[i] = x[i] * t[i] / 2
            }
        }
    }

    public static func geluBackward(_ x: UnsafePointer<Self>, erfTerms t: UnsafePointer<Self>,
                                    _ dy: UnsafePointer<Self>, _ dx: UnsafeMutablePointer<Self>, count: Int,
                                    _ compute: Compute) {
        let invSqrt2Pi = 1 / (2 * Self.pi).squareRoot(), lanes = Vector.scalarCount
        compute.parallelRanges(count, grain: 1 << 14) { range in
            var i = range.lowerBound
            while i + lanes <= range.upperBound {
                let v: Vector = load(x + i), g: Vector = load(dy + i)
                let cdf = load(t + i) / 2
                let pdf = fusedExponential(-v * v / 2) * invSqrt2Pi
                store(g * (cdf + v * pdf), dx + i)
                i += lanes
            }
            for i in i..<range.upperBound {
                let cdf = t[i] / 2
                let pdf = exp(-x[i] * x[i] / 2) * invSqrt2Pi
                dx[i] = dy[i] * (cdf + x[i] * pdf)
            }
        }
    }

    public static func addRowVector(_ v: UnsafePointer<Self>, to y: UnsafeMutablePointer<Self>, rows: Int, columns: Int) {
        for r in 0..<rows { axpy(1, v, y + r * columns, count: columns) }
    }

    public static func accumulateColumnSums(_ x: UnsafePointer<Self>, rows: Int, columns: Int,
                                            into sums: UnsafeMutablePointer<Self>) {
        for r in 0..<rows { axpy(1, x + r * columns, sums, count: columns) }
    }

    public static func add(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>,
                           count: Int) {
        let lanes = Vector.scalarCount
        var i = 0
        while i + lanes <= count {
            store(load(a + i) + load(b + i), y + i)
            i += lanes
        }
        while i < count { y[i] = a[i] + b[i]; i += 1 }
    }

    public static func axpy(_ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int) {
        let lanes = Vector.scalarCount
        let a = Vector(repeating: alpha)
        var i = 0
        while i + lanes <= count {
            var v = load(y + i)
            v.addProduct(a, load(x + i))
            store(v, y + i)
            i += lanes
        }
        while i < count { y[i] += alpha * x[i]; i += 1 }
    }

    public static func multiply(_ x: UnsafePointer<Self>, _ mask: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                count: Int, _ compute: Compute) {
        compute.parallelRanges(count, grain: 1 << 14) { range in
            let lanes = Vector.scalarCount
            var i = range.lowerBound
            while i + lanes <= range.upperBound {
                store(load(x + i) * load(mask + i), y + i)
                i += lanes
            }
            while i < range.upperBound { y[i] = x[i] * mask[i]; i += 1 }
        }
    }

    public static func addChannelBias(_ bias: UnsafePointer<Self>, to y: UnsafeMutablePointer<Self>, n: Int, c: Int,
                                      s: Int, _ compute: Compute) {
        compute.parallelRanges(n * c, grain: Swift.max(1, 8192 / Swift.max(s, 1))) { rows in
            for row in rows {
                let b = Vector(repeating: bias[row % c]), target = y + row * s
                var i = 0
                while i + Vector.scalarCount <= s {
                    store(load(target + i) + b, target + i)
                    i += Vector.scalarCount
                }
                while i < s { target[i] += bias[row % c]; i += 1 }
            }
        }
    }

    public static func accumulateChannelSums(_ x: UnsafePointer<Self>, n: Int, c: Int, s: Int,
                                             into sums: UnsafeMutablePointer<Self>, _ compute: Compute) {
        compute.parallelRanges(c) { channels in
            for channel in channels {
                var acc = Vector()
                var tail: Self = 0
                for sample in 0..<n {
                    let source = x + (sample * c + channel) * s
                    var i = 0
                    while i + Vector.scalarCount <= s {
                        acc += load(source + i)
                        i += Vector.scalarCount
                    }
                    while i < s { tail += source[i]; i += 1 }
                }
                sums[channel] += acc.sum() + tail
            }
        }
    }

    public static func fill(_ x: UnsafeMutablePointer<Self>, with value: Self, count: Int) {
        x.update(repeating: value, count: count)
    }

    public static func dropoutMask(_ mask: UnsafeMutablePointer<Self>, units: Int, unitSize: Int, p: Double,
                                   random: inout RandomGenerator) {
        let scale = Self(1 / (1 - p))
        // Keep when a 32-bit uniform is at least p·2³²: two draws per 64-bit word.
        let threshold = UInt64((p * 4_294_967_296).rounded(.up))
        if unitSize == 1 {
            var unit = 0
            while unit + 1 < units {
                let word = random.next()
                mask[unit] = word & 0xFFFF_FFFF >= threshold ? scale : 0
                mask[unit &+ 1] = word >> 32 >= threshold ? scale : 0
                unit &+= 2
            }
            if unit < units { mask[unit] = random.next() & 0xFFFF_FFFF >= threshold ? scale : 0 }
            return
        }
        var unit = 0
        while unit < units {
            let word = random.next()
            for half in 0..<2 where unit < units {
                let draw = half == 0 ? word & 0xFFFF_FFFF : word >> 32
                (mask + unit * unitSize).update(repeating: draw >= threshold ? scale : 0, count: unitSize)
                unit += 1
            }
        }
    }

    public static func sumOfSquares(_ x: UnsafePointer<Self>, count: Int) -> Double {
        var total = 0.0
        for block in 0..<squareSumBlockCount(count) { total += Double(squareSum(ofBlock: block, x, count: count)) }
        return total
    }

    public static func squareSumsOfBlocks(_ x: UnsafePointer<Self>, count: Int, blocks: Range<Int>,
                                          into sums: UnsafeMutablePointer<Double>) {
        for block in blocks { sums[block] = Double(squareSum(ofBlock: block, x, count: count)) }
    }

    /// Elements per block of `sumOfSquares`: a Float block of 512 squares summed in vectors
    /// loses no more than a few ulps, where one Float running sum over a million weights
    /// would lose digits; the blocks' sums are added in Double.
    public static var squareSumBlock: Int { 512 }

    /// The blocks of `squareSumBlock` elements (the last one shorter) that cover `count`.
    public static func squareSumBlockCount(_ count: Int) -> Int { (count + squareSumBlock - 1) / squareSumBlock }

    /// Σ x[i]² over one block, in the scalar's own vectors.
    @inline(__always)
    private static func squareSum(ofBlock block: Int, _ x: UnsafePointer<Self>, count: Int) -> Self {
        let lanes = Vector.scalarCount
        let start = block * squareSumBlock, end = Swift.min(start + squareSumBlock, count)
        var sums = Vector(repeating: 0)
        var i = start
        while i + lanes <= end {
            let v = load(x + i)
            sums.addProduct(v, v)
            i += lanes
        }
        var sum = sums.sum()
        while i < end { sum += x[i] * x[i]; i += 1 }
        return sum
    }

    public static func scale(_ x: UnsafeMutablePointer<Self>, by alpha: Self, count: Int) {
        let lanes = Vector.scalarCount
        let a = Vector(repeating: alpha)
        var i = 0
        while i + lanes <= count {
            store(load(x + i) * a, x + i)
            i += lanes
        }
        while i < count { x[i] *= alpha; i += 1 }
    }
}
