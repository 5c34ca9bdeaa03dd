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
let cpuSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]

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
