// swift-tools-version:6.0
import PackageDescription

/// Kernels are compiled for the building machine's CPU (AVX2, AVX-512 where present),
/// as `-march=native` would in C: `dnn` is built from source where it runs.
let nativeCPU: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native"])]

let package = Package(
    name: "dnn",
    products: [
        .executable(name: "dnn", targets: ["DNNCLI"]),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "CBFloat16", path: "Sources/CBFloat16"),
        .target(name: "DNN", dependencies: ["CZlib", "CBFloat16"], swiftSettings: nativeCPU),
        .executableTarget(name: "DNNCLI", dependencies: ["DNN"], swiftSettings: nativeCPU),
        .testTarget(name: "DNNTests", dependencies: ["DNN"], exclude: ["Fixtures"], swiftSettings: nativeCPU),
    ]
)
