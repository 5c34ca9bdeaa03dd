// swift-tools-version:6.0
import PackageDescription
import Foundation

/// The CPU the kernels are compiled for: `DNN_TARGET_CPU` (an LLVM CPU name such as
/// `haswell`, `x86-64`, `x86-64-v3`, `znver4`, `apple-m1`), default `native`, as
/// `-march=native` would in C: `dnn` is built from source where it runs, and an AVX2-only
/// or baseline build of it can be made and tested on any machine.
let targetCPU: String = {
    let named = ProcessInfo.processInfo.environment["DNN_TARGET_CPU"] ?? ""
    return named.isEmpty ? "native" : named
}()

/// The width of one vector register of `targetCPU` on x86, as a compile-time define
/// (`DNN_VECTOR_BITS_128`, `_256`, `_512`) that shapes the GEMM micro-kernel
/// (Sources/DNN/Tensor/GEMMVector.swift, docs/kernels.md): Swift has no `#if` on CPU
/// features. `native` reads the CPU's flags from /proc/cpuinfo (Linux); elsewhere, or for
/// names not listed, AVX2's 256 bits. arm64 ignores it (NEON: `#if arch(arm64)`).
let vectorBits: Int = {
    let baseline: Set = ["x86-64", "x86-64-v2", "core2", "penryn", "nehalem", "westmere", "k8", "btver1", "silvermont"]
    let avx512: Set = ["x86-64-v4", "skylake-avx512", "cascadelake", "cooperlake", "cannonlake", "icelake-client",
                       "icelake-server", "tigerlake", "rocketlake", "sapphirerapids", "emeraldrapids",
                       "graniterapids", "graniterapids-d", "znver4", "znver5", "knl", "knm"]
    if targetCPU == "native" {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return 256 }
        let features = Set(flags.split(separator: " ").map(String.init))
        return features.contains("avx512f") ? 512 : features.contains("avx2") ? 256 : 128
    }
    return avx512.contains(targetCPU) ? 512 : baseline.contains(targetCPU) ? 128 : 256
}()
let cpuSettings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", targetCPU]),
    .define("DNN_VECTOR_BITS_\(vectorBits)"),
]

let package = Package(
    name: "dnn",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dnn", targets: ["DNNCLI"]),
        .library(name: "DNN", targets: ["DNN"]),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "CBFloat16", path: "Sources/CBFloat16"),
        .target(name: "DNN", dependencies: ["CZlib", "CBFloat16"], swiftSettings: cpuSettings),
        .executableTarget(name: "DNNCLI", dependencies: ["DNN"], swiftSettings: cpuSettings),
        .testTarget(name: "DNNTests", dependencies: ["DNN"], exclude: ["Fixtures"], swiftSettings: cpuSettings),
    ]
)
