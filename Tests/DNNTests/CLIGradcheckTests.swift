import Foundation
import Testing
@testable import DNN

/// `dnn gradcheck`: every layer passes in Double for reg 0 and 3.14, and a wrong
/// gradient makes it fail with exit 1, naming the parameter.
@Suite struct CLIGradcheckTests {
    static let everyLayer = TestPaths.packageRoot + "/configs/every_layer.json"

    @Test func everyLayerPassesForBothRegs() throws {
        let result = try CLI.run(["gradcheck", Self.everyLayer, "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let json = try JSON.parse(result.stdout, file: "stdout")
        let checks = json["checks"]?.array ?? []
        let names = Set(checks.compactMap { $0["param"]?.stringValue })
        // Every parameter of every layer, residual body included.
        for name in ["0.weight", "0.bias", "1.weight", "4.weight", "5.bias", "7.body.0.weight", "7.body.1.bias",
                     "8.weight", "11.weight", "16.weight", "19.weight", "23.bias"] {
            #expect(names.contains(name), "no check of \(name)")
        }
        #expect(Set(checks.compactMap { $0["reg"]?.double }) == [0, 3.14])
        for check in checks {
            #expect((check["relative_error"]?.double ?? 1) < 1e-6, "\(check)")
        }
        let initial = try #require(json["initial_loss"]?.double)
        #expect(initial.isFinite && initial > 0)
        #expect(abs((json["expected_loss"]?.double ?? 0) - log(3.0)) < 1e-12)
    }

    @Test func residualNetworkPasses() throws {
        let result = try CLI.run(["gradcheck", TestPaths.packageRoot + "/configs/mnist_resnet.json", "--batch", "2",
                                  "--entries", "8", "--threads", "2", "--set", "model.input_shape=[1,28,28]", "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let checks = try JSON.parse(result.stdout, file: "stdout")["checks"]?.array ?? []
        #expect(checks.count == 2 * 29, "29 parameters of the residual net, for reg 0 and 3.14")
        #expect(checks.contains { $0["param"]?.stringValue == "7.shortcut.0.weight" })
    }

    @Test func aWrongGradientFailsWithExitOneNamingTheParameter() throws {
        let result = try CLI.run(["gradcheck", Self.everyLayer, "--reg", "0", "--perturb", "11.weight"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("failed") && result.stdout.contains("11.weight"))
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("11.weight") }
        #expect(line?.contains("FAIL") == true)
    }

    @Test func humanOutputShowsTheExpectedInitialLoss() throws {
        let result = try CLI.run(["gradcheck", TestPaths.packageRoot + "/configs/two_layer.json", "--reg", "0"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("ln 3 = 1.0986"))
        #expect(result.stdout.contains("passed"))
    }
}

/// The gradient checker itself: a layer with a deliberately broken backward is caught.
@Suite struct GradientCheckTests {
    /// Linear, but its backward forgets the bias gradient and halves dW: a typical bug.
    final class BrokenLinear: Layer {
        let inner: Linear<Double>
        init(_ inner: Linear<Double>) { self.inner = inner }
        var outputShape: [Int] { inner.outputShape }
        var state: [(name: String, entry: StateEntry<Double>)] { inner.state }
        func forward(_ x: Tensor<Double>, _ context: Context) -> Tensor<Double> { inner.forward(x, context) }
        func backward(_ dy: Tensor<Double>, _ context: Context) -> Tensor<Double> {
            let dx = inner.backward(dy, context)
            for i in 0..<inner.weight.gradient.count { inner.weight.gradient[i] *= 0.5 }
            return dx
        }
    }

    @Test func brokenBackwardIsCaught() {
        var random = RandomGenerator(seed: 1)
        let linear = Linear<Double>(inFeatures: 5, outFeatures: 3, random: &random)
        let input = Tensor<Double>(shape: [4, 5], values: (0..<20).map { _ in random.normal() })
        let healthy = GradientCheck.layer(linear, input: input)
        #expect(healthy.allSatisfy { $0.passed })
        let broken = GradientCheck.layer(BrokenLinear(linear), input: input)
        #expect(broken.first { $0.name == "weight" }?.passed == false)
        #expect(broken.first { $0.name == "input" }?.passed == true)
    }

    @Test func dropoutMasksAreReplayedInTraining() {
        var random = RandomGenerator(seed: 2)
        let input = Tensor<Double>(shape: [3, 2, 3, 3], values: (0..<54).map { _ in random.normal() })
        for layer in [Dropout<Double>(p: 0.4, shape: [2, 3, 3]) as any Layer<Double>,
                      Dropout<Double>(channelwiseP: 0.5, shape: [2, 3, 3])] {
            let checks = GradientCheck.layer(layer, input: input, mode: .training, seed: 9)
            #expect(checks.allSatisfy { $0.passed }, "\(checks.map(\.relativeError))")
        }
    }

    @Test func errorIsRelativeAboveNormOneAndAbsoluteBelow() {
        #expect(GradientCheck.relativeError([0, 0], [0, 0]) == 0)
        #expect(abs(GradientCheck.relativeError([1, 0], [1.1, 0]) - 0.1 / 2.1) < 1e-15)
        #expect(abs(GradientCheck.relativeError([30, 40], [30, 40.5]) - 0.5 / (50 + (900 + 40.5 * 40.5).squareRoot())) < 1e-15)
        // Rounding noise around a zero gradient passes; a small gradient that is 1% off does not.
        #expect(GradientCheck.relativeError([1e-17, 0], [3e-10, -2e-10]) < 1e-6)
        #expect(GradientCheck.relativeError([0.01, 0.02], [0.0101, 0.0202]) > 1e-6)
    }
}
