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
}
