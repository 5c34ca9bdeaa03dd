/// The vector of the GEMM micro-kernel, one register wide on the target: Package.swift
/// derives `DNN_VECTOR_BITS_128/256/512` from `DNN_TARGET_CPU` (native: the CPU's
/// flags), and arm64 is always NEON's 128 bits. A `T.Vector` of 64 bytes would be split
/// into 2 ymm or 4 q registers, and the micro-kernel's 24 accumulators would spill.
/// docs/kernels.md gives the tile shape per instruction set and why.
extension Float {
    #if arch(arm64) || DNN_VECTOR_BITS_128
    public typealias GEMMVector = SIMD4<Float>
    #elseif DNN_VECTOR_BITS_256
    public typealias GEMMVector = SIMD8<Float>
    #else
    public typealias GEMMVector = SIMD16<Float>
    #endif
}

extension Double {
    #if arch(arm64) || DNN_VECTOR_BITS_128
    public typealias GEMMVector = SIMD2<Double>
    #elseif DNN_VECTOR_BITS_256
    public typealias GEMMVector = SIMD4<Double>
    #else
    public typealias GEMMVector = SIMD8<Double>
    #endif
}
