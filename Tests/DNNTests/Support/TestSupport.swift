import Foundation
import Testing
@testable import DNN

/// Paths the tests use: the package root (found from this file), the fixtures written by
/// `tools/make_fixtures.py`, the shared data beside the project, and the built `dnn`.
enum TestPaths {
    /// The package root: three levels above this file (Tests/DNNTests/Support/).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .path

    static let fixtures = packageRoot + "/Tests/DNNTests/Fixtures"

    /// `../shared/data` beside the project; absent on machines without it.
    static let sharedData = URL(fileURLWithPath: packageRoot + "/../shared/data").standardized.path

    static let mnistImages = sharedData + "/mnist/t10k-images-idx3-ubyte.gz"
    static let mnistLabels = sharedData + "/mnist/t10k-labels-idx1-ubyte.gz"

    /// Whether the shared MNIST test set is present (tests that need it are skipped otherwise).
    static var hasMNIST: Bool { FileManager.default.fileExists(atPath: mnistImages) }

    /// A new empty directory for one test.
    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dnn-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Reference values from PyTorch, written by `tools/make_fixtures.py`.
enum Fixtures {
    /// A fixture file parsed; its `cases` array.
    static func cases(_ file: String) throws -> [JSON] {
        let path = TestPaths.fixtures + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try JSON.parse(text, file: path)["cases"]?.array ?? []
    }

    /// `{"shape": [...], "data": [...]}` as a shape and flat values.
    static func tensor(_ json: JSON?) -> (shape: [Int], data: [Double]) {
        let shape = json?["shape"]?.array?.compactMap(\.int) ?? []
        let data = json?["data"]?.array?.compactMap(\.double) ?? []
        return (shape, data)
    }

    /// A Double tensor from a fixture tensor.
    static func doubleTensor(_ json: JSON?) -> Tensor<Double> {
        let (shape, data) = tensor(json)
        return Tensor(shape: shape, values: data)
    }

    /// The layer spec of a fixture case, decoded as a config would decode it.
    static func layerSpec(_ json: JSON) throws -> LayerSpec {
        var decoder = ConfigDecoder(baseDirectory: "/")
        return try decoder.layer(json, at: "layer")
    }
}

/// The largest absolute difference, relative to the largest reference magnitude (at least 1).
func maxRelativeDifference(_ actual: [Double], _ expected: [Double]) -> Double {
    guard actual.count == expected.count else { return .infinity }
    let scale = max(1, expected.map(abs).max() ?? 0)
    return zip(actual, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

/// The `DNNError` of kind `kind` that `body` throws, or nil after recording an issue when
/// it throws something else or nothing.
func expectError<T>(_ kind: DNNError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () throws -> T) -> DNNError? {
    do {
        let value = try body()
        Issue.record("expected a \(kind) error, got \(value)", sourceLocation: sourceLocation)
    } catch let error as DNNError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
