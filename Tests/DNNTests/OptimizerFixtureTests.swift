import Testing
@testable import DNN

/// Each optimizer's trajectory against torch.optim (fixtures: optimizers.json, written by
/// tools/make_fixtures.py): two parameter tensors, a fixed sequence of ten gradients,
/// the values after step 1 and after step 10; one case multiplies the learning rate by
/// `lr_decay` every `steps_per_epoch` steps, as ExponentialLR after each epoch.
@Suite struct OptimizerFixtureTests {
    static let cases = (try? Fixtures.cases("optimizers.json")) ?? []
    static let names = cases.compactMap { $0["name"]?.stringValue }

    @Test("fixture file is present") func fixturesLoaded() {
        #expect(Self.cases.count >= 10)
    }

    @Test("1 and 10 steps match torch.optim", arguments: names)
    func trajectory(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        let optimizerConfig = try ConfigDecoder(baseDirectory: "/").optimizer(fixture["optimizer"]!, at: "optimizer").0
        let parameters = (fixture["initial"]?.array ?? []).enumerated().map { index, json in
            (name: "p\(index)", parameter: Parameter(Fixtures.doubleTensor(json), regularized: true))
        }
        let optimizer: any Optimizer<Double> = optimizerConfig.makeOptimizer(for: parameters)
        let decay = fixture["lr_decay"]?.double ?? 1
        let stepsPerEpoch = fixture["steps_per_epoch"]?.int ?? Int.max
        let gradients = fixture["gradients"]?.array ?? []
        #expect(gradients.count == 10)
        for (step, stepGradients) in gradients.enumerated() {
            for (index, gradient) in try #require(stepGradients.array, "optimizers.json: a step's gradients").enumerated() {
                parameters[index].parameter.gradient.copy(from: Fixtures.doubleTensor(gradient))
            }
            optimizer.step(Compute(threads: 2))
            if (step + 1) % stepsPerEpoch == 0 { optimizer.learningRate *= decay }
            guard step == 0 || step == 9 else { continue }
            let expected = try #require(fixture[step == 0 ? "after_1" : "after_10"]?.array, "\(name): after_\(step + 1)")
            #expect(expected.count == parameters.count, "\(name): after_\(step + 1) holds every parameter")
            for (index, tensor) in expected.enumerated() {
                let difference = maxRelativeDifference(parameters[index].parameter.value.array,
                                                       Fixtures.tensor(tensor).data)
                #expect(difference < 1e-12, "\(name): parameter \(index) after step \(step + 1) differs by \(difference)")
            }
        }
    }
}

/// Softmax cross-entropy against F.cross_entropy (fixtures: losses.json, written by
/// tools/make_fixtures.py), including logits of ±1000, label smoothing, class weights and both.
@Suite struct LossFixtureTests {
    static let cases = (try? Fixtures.cases("losses.json")) ?? []

    @Test func matchesPyTorch() throws {
        #expect(Self.cases.count >= 10)
        #expect(Self.cases.filter { $0["weight"] != nil && $0["label_smoothing"] != nil }.count >= 2)
        for fixture in Self.cases {
            let name = fixture["name"]?.stringValue ?? "?"
            let logits = Fixtures.doubleTensor(fixture["logits"])
            let labels = (fixture["labels"]?.array ?? []).compactMap(\.int).map(Int32.init)
            let loss = SoftmaxCrossEntropy<Double>(labelSmoothing: fixture["label_smoothing"]?.double ?? 0,
                                                   classWeights: fixture["weight"]?.array?.compactMap(\.double))
            let result = labels.withUnsafeBufferPointer { loss.forward(logits, labels: $0.baseAddress!) }
            let expected = try #require(fixture["loss"]?.double)
            #expect(abs(result.loss - expected) < 1e-12 * max(1, abs(expected)), "\(name): loss \(result.loss) vs \(expected)")
            #expect(maxRelativeDifference(loss.gradient.array, Fixtures.tensor(fixture["grad_logits"]).data) < 1e-12,
                    "\(name): gradient")
        }
    }

    @Test(arguments: [(0.0, false), (0.3, false), (0.0, true), (0.15, true)])
    func gradientMatchesNumericDifferences(smoothing: Double, weighted: Bool) {
        var random = RandomGenerator(seed: 3)
        let logits = Tensor<Double>(shape: [5, 7], values: (0..<35).map { _ in random.normal() * 3 })
        let labels: [Int32] = [0, 6, 3, 3, 1]
        let loss = SoftmaxCrossEntropy<Double>(labelSmoothing: smoothing,
                                               classWeights: weighted ? [0.5, 2, 1, 3, 0.25, 1.5, 0.75] : nil)
        func value() -> Double { labels.withUnsafeBufferPointer { loss.forward(logits, labels: $0.baseAddress!).loss } }
        _ = value()
        let analytic = loss.gradient.array
        let numeric = GradientCheck.numericGradient(logits, entries: Array(0..<logits.count), limit: logits.count,
                                                    pattern: { 0 }, objective: value).numeric
        #expect(GradientCheck.relativeError(analytic, numeric) < 1e-6)
    }
}
