// swift-tools-version:6.0
// A program that uses dnn as a library: it loads a checkpoint and predicts, with the
// checkpoint's encoding and normalisation, the same numbers as `dnn predict`.
import PackageDescription

let package = Package(
    name: "PredictWithDNN",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Or: .package(url: "https://github.com/OWNER/dnn.git", branch: "main")
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(name: "PredictWithDNN", dependencies: [.product(name: "DNN", package: "dnn")]),
    ]
)
