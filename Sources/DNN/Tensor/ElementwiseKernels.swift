/// A pointwise activation function, with the parameter that some of them take.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyReLU(slope: Double)
    case sigmoid
    case tanh
    /// The exact GELU, x·Φ(x) with Φ from erf.
    case gelu
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
    /// `y[r, c] += v[c]` for a [rows, columns] matrix: adds a bias to every row.
    static func addRowVector(_ v: UnsafePointer<Self>, to y: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
    /// `sums[c] += Σ_r x[r, c]` for a [rows, columns] matrix: the bias gradient.
    static func accumulateColumnSums(_ x: UnsafePointer<Self>, rows: Int, columns: Int,
                                     into sums: UnsafeMutablePointer<Self>)
    /// `y[i] += alpha · x[i]`.
    static func axpy(_ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
    /// `y[i] = x[i] · mask[i]`.
    static func multiply(_ x: UnsafePointer<Self>, _ mask: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                         count: Int)
    /// Σ x[i]², accumulated in Double (for the `reg` term).
    static func sumOfSquares(_ x: UnsafePointer<Self>, count: Int) -> Double
}

extension ElementwiseKernels {
    @inline(__always) static func load(_ p: UnsafePointer<Self>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Self>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    public static func activationForward(_ f: Activation, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                         count: Int, _ compute: Compute) {
        compute.parallelRanges(count, grain: 1 << 14) { range in
            let lanes = Vector.scalarCount
            var i = range.lowerBound
            switch f {
            case .relu:
                let zero = Vector(repeating: 0)
                while i + lanes <= range.upperBound {
                    store(load(x + i).replacing(with: zero, where: load(x + i) .< zero), y + i)
                    i += lanes
                }
                while i < range.upperBound { y[i] = x[i] > 0 ? x[i] : 0; i += 1 }
            case .leakyReLU(let slope):
                let zero = Vector(repeating: 0), s = Vector(repeating: Self(slope))
                while i + lanes <= range.upperBound {
                    let v = load(x + i)
                    store(v.replacing(with: v * s, where: v .< zero), y + i)
                    i += lanes
                }
                while i < range.upperBound { y[i] = x[i] > 0 ? x[i] : Self(slope) * x[i]; i += 1 }
            case .sigmoid:
                for i in range { y[i] = 1 / (1 + exp(-x[i])) }
            case .tanh:
                for i in range { y[i] = tanh(x[i]) }
            case .gelu:
                let invSqrt2 = 1 / Self(2).squareRoot()
                for i in range { y[i] = x[i] * (1 + erf(x[i] * invSqrt2)) / 2 }
            }
        }
    }

    public static func activationBackward(_ f: Activation, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>,
                                          _ dy: UnsafePointer<Self>, _ dx: UnsafeMutablePointer<Self>,
                                          count: Int, _ compute: Compute) {
        compute.parallelRanges(count, grain: 1 << 14) { range in
            let lanes = Vector.scalarCount
            var i = range.lowerBound
            switch f {
            case .relu:
                let zero = Vector(repeating: 0)
                while i + lanes <= range.upperBound {
                    store(load(dy + i).replacing(with: zero, where: load(x + i) .<= zero), dx + i)
                    i += lanes
                }
                while i < range.upperBound { dx[i] = x[i] > 0 ? dy[i] : 0; i += 1 }
            case .leakyReLU(let slope):
                let zero = Vector(repeating: 0), s = Vector(repeating: Self(slope))
                while i + lanes <= range.upperBound {
                    let g = load(dy + i)
                    store(g.replacing(with: g * s, where: load(x + i) .<= zero), dx + i)
                    i += lanes
                }
                while i < range.upperBound { dx[i] = x[i] > 0 ? dy[i] : Self(slope) * dy[i]; i += 1 }
            case .sigmoid:
                for i in range { dx[i] = dy[i] * y[i] * (1 - y[i]) }
            case .tanh:
                for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
            case .gelu:
                // d/dx x·Φ(x) = Φ(x) + x·φ(x)
                let invSqrt2 = 1 / Self(2).squareRoot()
                let invSqrt2Pi = 1 / (2 * Self.pi).squareRoot()
                for i in range {
                    let cdf = (1 + erf(x[i] * invSqrt2)) / 2
                    let pdf = exp(-x[i] * x[i] / 2) * invSqrt2Pi
                    dx[i] = dy[i] * (cdf + x[i] * pdf)
                }
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
                                count: Int) {
        let lanes = Vector.scalarCount
        var i = 0
        while i + lanes <= count {
            store(load(x + i) * load(mask + i), y + i)
            i += lanes
        }
        while i < count { y[i] = x[i] * mask[i]; i += 1 }
    }

    public static func sumOfSquares(_ x: UnsafePointer<Self>, count: Int) -> Double {
        var total = 0.0
        for i in 0..<count { total += Double(x[i]) * Double(x[i]) }
        return total
    }
}
