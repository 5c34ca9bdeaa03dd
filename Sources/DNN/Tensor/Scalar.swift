import Foundation

/// The arithmetic every kernel needs: a SIMD-able floating-point type, its widest
/// vector, and the elementary functions.
public protocol KernelScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, LosslessStringConvertible
where Vector.Scalar == Self, GEMMVector.Scalar == Self, RawSignificand: FixedWidthInteger {
    /// The widest vector the kernels use: 64 bytes, one AVX-512 register.
    associatedtype Vector: SIMD & Sendable
    /// The GEMM micro-kernel's vector: exactly one register of the target's instruction
    /// set, so that its accumulators stay in registers (see `GEMMVector.swift`).
    associatedtype GEMMVector: SIMD & Sendable

    /// The safetensors dtype name (`F32`, `F64`).
    static var safetensorsDType: String { get }

    /// e^x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// Hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// The error function (for the exact GELU).
    static func erf(_ x: Self) -> Self
    /// eˣ of every lane (see `VectorExponential.swift`): a polynomial for Float, libm for Double.
    static func exponential(_ x: Vector) -> Vector
    /// `exponential` with fused multiply-adds where the target has them (Float; see
    /// `VectorExponential.swift`), for the softmaxes and the GELU.
    static func fusedExponential(_ x: Vector) -> Vector
    /// erf(x) of every lane, likewise.
    static func errorFunction(_ x: Vector) -> Vector
    /// √x of every lane, x ≥ 0, within an ulp (see `VectorSquareRoot.swift`).
    static func squareRoot(_ x: Vector) -> Vector
    /// max(v, 0) per lane (see `VectorSelect.swift`).
    static func positivePart(_ v: Vector) -> Vector
    /// max(a, b) per lane (see `VectorSelect.swift`).
    static func lanewiseMaximum(_ a: Vector, _ b: Vector) -> Vector
    /// The largest lane of a vector that holds no NaN (see `VectorSelect.swift`).
    static func largestLane(_ v: Vector) -> Self
    /// v's first `count` lanes and `fill` in the others (see `VectorSelect.swift`).
    static func firstLanes(_ v: Vector, _ count: Int, otherwise fill: Self) -> Vector
    /// v's lanes from `first` on and `fill` in the ones before (see `VectorSelect.swift`).
    static func lanesFrom(_ v: Vector, _ first: Int, otherwise fill: Self) -> Vector
    /// The sum of a vector's lanes, halves added together (see `VectorSum.swift`).
    static func laneTotal(_ v: Vector) -> Self
    /// g where y > 0, else 0, per lane: the gradient through a ReLU with output y.
    static func keep(_ g: Vector, wherePositive y: Vector) -> Vector
    /// Transposes a lanes x lanes block: row r of `target` gets column r of `source`
    /// (see `VectorTranspose.swift`).
    static func transposeBlock(from source: UnsafePointer<Self>, sourceStride: Int,
                               to target: UnsafeMutablePointer<Self>, targetStride: Int)
}

/// A floating-point type the layers run in: `Float` trains at full speed, `Double` runs
/// the same layer code for gradient checks.
///
/// Layers are generic over `Scalar`, but a method of a generic class runs unspecialised,
/// where every vector operation would go through a witness table (about 1000x slower).
/// So every hot loop is a static requirement of one of the kernel protocols below, with
/// its one implementation as the protocol's default: each conformance (`Float`,
/// `Double`) gets its own fully specialised copy, and a layer pays one dynamic call per
/// kernel, not per element.
public protocol Scalar: KernelScalar, MatrixKernels, ElementwiseKernels, NormalizationKernels, LossKernels, OptimizerKernels,
    ConvolutionKernels, WinogradKernels, DirectConvolutionKernels,
    SequenceKernels, RecurrentKernels, AttentionKernels {}

extension Float: Scalar {
    public typealias Vector = SIMD16<Float>
    public static var safetensorsDType: String { "F32" }
    @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) public static func erf(_ x: Float) -> Float { Foundation.erf(x) }
}

extension Double: Scalar {
    public typealias Vector = SIMD8<Double>
    public static var safetensorsDType: String { "F64" }
    @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
}
