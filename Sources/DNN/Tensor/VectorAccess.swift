/// Unaligned loads and stores of a whole vector, for the kernels' inner loops. Only
/// kernels (protocol default implementations, specialised per type) may call these:
/// from generic layer code they would run through witness tables.
extension KernelScalar {
    @inline(__always) static func load(_ p: UnsafePointer<Self>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Self>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Self>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// `x[i] *= factor` for i < count, a vector at a time (the softmaxes' normalisation).
    @inline(__always) static func scaleInPlace(_ x: UnsafeMutablePointer<Self>, count: Int, by factor: Self) {
        let lanes = Vector.scalarCount
        var j = 0
        while j + lanes <= count {
            store(load(x + j) * factor, x + j)
            j += lanes
        }
        for k in j..<count { x[k] *= factor }
    }
}
