import Testing
@testable import DNN

/// The regression losses against nn.MSELoss, nn.L1Loss and nn.HuberLoss (fixtures:
/// regression_losses.json, written by tools/make_fixtures.py), and their gradients against
/// central differences in Double.
@Suite struct RegressionLossTests {
    static let cases = (try? Fixtures.cases("regression_losses.json")) ?? []

    static func kind(_ spec: JSON?) -> RegressionLoss<Double>.Kind {
        switch spec?["type"]?.stringValue {
        case "l1": .l1
        case "huber": .huber(delta: spec?["delta"]?.double ?? 1)
        default: .mse
        }
    }

    @Test func matchesPyTorch() throws {
        #expect(Self.cases.count >= 5)
        for fixture in Self.cases {
            let name = fixture["name"]?.stringValue ?? "?"
            let prediction = Fixtures.doubleTensor(fixture["prediction"])
            let target = Fixtures.tensor(fixture["target"]).data
            let loss = RegressionLoss<Double>(Self.kind(fixture["loss_spec"]))
            let value = target.withUnsafeBufferPointer { loss.forward(prediction, target: $0.baseAddress!) }
            let expected = try #require(fixture["loss"]?.double)
            #expect(abs(value - expected) < 1e-12 * max(1, abs(expected)), "\(name): loss \(value) vs \(expected)")
            #expect(maxRelativeDifference(loss.gradient.array, Fixtures.tensor(fixture["grad_prediction"]).data) < 1e-12,
                    "\(name): gradient")
        }
    }

    @Test(arguments: [RegressionLoss<Double>.Kind.mse, .l1, .huber(delta: 1), .huber(delta: 0.4)])
    func gradientMatchesNumericDifferences(kind: RegressionLoss<Double>.Kind) {
        var random = RandomGenerator(seed: 9)
        let prediction = Tensor<Double>(shape: [4, 3], values: (0..<12).map { _ in random.normal() * 2 })
        // Targets at least 0.01 away from the kinks (d = 0, |d| = delta).
        let target: [Double] = (0..<12).map { i in
            var t = random.normal()
            for _ in 0..<100 {
                let d = abs(prediction[i] - t)
                if d > 0.01 && abs(d - 1) > 0.01 && abs(d - 0.4) > 0.01 { break }
                t += 0.05
            }
            return t
        }
        let loss = RegressionLoss<Double>(kind)
        func value() -> Double { target.withUnsafeBufferPointer { loss.forward(prediction, target: $0.baseAddress!) } }
        _ = value()
        let analytic = loss.gradient.array
        let numeric = GradientCheck.numericGradient(prediction, entries: Array(0..<prediction.count), limit: prediction.count,
                                                    pattern: { 0 }, objective: value).numeric
        #expect(GradientCheck.relativeError(analytic, numeric) < 1e-6, "\(kind)")
    }
}
