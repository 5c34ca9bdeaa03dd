import Foundation
import Testing
@testable import DNN

/// The example MNIST configs on the shared MNIST test set (first 8,000 images train,
/// last 2,000 validate). Skipped, with a message, where ../shared/data/mnist is absent.
@Suite(.enabled(if: TestPaths.hasMNIST, "../shared/data/mnist is absent: MNIST accuracy tests skipped"))
struct MNISTTests {
    /// Trains `config` with its data paths pointed at the shared files; returns the best validation accuracy.
    static func train(_ config: String, extra: [String] = []) throws -> Double {
        let directory = TestPaths.temporaryDirectory()
        let result = try CLI.run(["train", TestPaths.packageRoot + "/configs/" + config, "--out", directory,
                                  "--quiet", "--set", "data.train.images=\(TestPaths.mnistImages)",
                                  "--set", "data.train.labels=\(TestPaths.mnistLabels)"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let checkpoint = try Checkpoint.read(path: directory + "/best.safetensors")
        return checkpoint.metrics?["val_accuracy"]?.double ?? 0
    }

    @Test func cnnReachesPyTorchAccuracy() throws {
        let accuracy = try Self.train("mnist_cnn.json")
        #expect(accuracy >= 0.975, "mnist_cnn best val_accuracy \(accuracy)")
    }

    @Test func mlpReachesPyTorchAccuracy() throws {
        let accuracy = try Self.train("mnist_mlp.json")
        #expect(accuracy >= 0.96, "mnist_mlp best val_accuracy \(accuracy)")
    }
}
