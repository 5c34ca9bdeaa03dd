import Testing
@testable import DNN

/// Regression training against PyTorch (fixture: regression_training.json, written by
/// tools/make_regression_fixtures.py): a tiny MLP on two targets far from mean 0 and std 1,
/// standardised as `data.normalize_target` does, trained with mse (SGD with momentum and
/// reg), huber (Adam) and l1 (Adam) on batches in file order; every step's loss, the final
/// weights, and the final eval loss, MAE, RMSE and R² in original units.
@Suite struct RegressionGoldenRunTests {
    static let cases = (try? Fixtures.cases("regression_training.json")) ?? []
    static let names = cases.compactMap { $0["name"]?.stringValue }

    /// The fixture's targets [N, 2] standardised: in Double with PyTorch's mean and std for
    /// the Double run; for the Float run as `dnn train` does it (`Normalization.fit` on
    /// Float targets, then `apply`), which must find the same statistics.
    static func standardizedTargets<T: Scalar>(_ fixture: JSON, as type: T.Type) -> (values: [T], fitted: Normalization) {
        let targets = Fixtures.tensor(fixture["targets"]).data
        let fitted = Normalization.fit(kind: NormalizeKind.standardize, features: targets.map { Float($0) }, featureCount: 2)
        if T.self == Float.self {
            var values = targets.map { Float($0) }
            fitted.apply(to: &values, featureCount: 2)
            return (values.map { T(Double($0)) }, fitted)
        }
        let mean = (fixture["target_mean"]?.array ?? []).compactMap(\.double)
        let std = (fixture["target_std"]?.array ?? []).compactMap(\.double)
        return (targets.enumerated().map { T(($1 - mean[$0 % 2]) / std[$0 % 2]) }, fitted)
    }

    static func replay<T: Scalar>(_ fixture: JSON, as type: T.Type) throws -> (GoldenRunTests.Run<T>, Sequential<T>) {
        let network = try GoldenRunTests.initialNetwork(fixture, as: T.self)
        network.skipInputGradient()  // as the trainer does
        let solver = fixture["solver"]!
        let optimizer: any Optimizer<T> = try ConfigDecoder(baseDirectory: "/")
            .optimizer(solver["optimizer"]!, at: "solver.optimizer").0.makeOptimizer(for: network.parameters)
        let loss = try ConfigDecoder.loss(fixture["loss"]!, at: "loss").0
        let step = TrainingStep(network: network, optimizer: optimizer, reg: solver["reg"]?.double ?? 0, loss: loss)
        let features = Fixtures.tensor(fixture["features"]).data
        let targets = standardizedTargets(fixture, as: T.self).values
        let rows = targets.count / 2, batchSize = solver["batch_size"]!.int!
        let context = Context(compute: Compute(threads: 2))
        var run = GoldenRunTests.Run<T>()
        for _ in 1...(solver["epochs"]?.int ?? 1) {
            for start in stride(from: 0, to: rows, by: batchSize) {
                let end = min(start + batchSize, rows)
                let input = Tensor<T>(shape: [end - start, 5], values: features[(start * 5)..<(end * 5)].map { T($0) })
                let batchTargets = Array(targets[(start * 2)..<(end * 2)])
                let result = batchTargets.withUnsafeBufferPointer {
                    step.run(input, targets: .values($0.baseAddress!), context: context)
                }
                run.losses.append(result.loss)
            }
        }
        run.state = GoldenRunTests.state(of: network)
        return (run, network)
    }

    @Test func fixturesArePresent() {
        #expect(Self.names == ["mse_sgd_momentum_reg", "huber_adam", "l1_adam"])
    }

    @Test("Double run matches PyTorch to rounding", arguments: names)
    func doubleRun(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        try GoldenRunTests.compare(try Self.replay(fixture, as: Double.self).0, fixture, tolerance: 1e-10)
    }

    @Test("Float run matches PyTorch to single precision; eval errors in original units", arguments: names)
    func floatRun(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        let (run, network) = try Self.replay(fixture, as: Float.self)
        try GoldenRunTests.compare(run, fixture, tolerance: 2e-4)

        let (targets, fitted) = Self.standardizedTargets(fixture, as: Float.self)
        guard case let .standardize(mean, std) = fitted else { Issue.record("not standardised"); return }
        let torchMean = (fixture["target_mean"]?.array ?? []).compactMap(\.double)
        let torchStd = (fixture["target_std"]?.array ?? []).compactMap(\.double)
        #expect(maxRelativeDifference(mean.map(Double.init), torchMean) < 1e-6)
        #expect(maxRelativeDifference(std.map(Double.init), torchStd) < 1e-6)
        var dataset = Dataset(features: Fixtures.tensor(fixture["features"]).data.map { Float($0) }, labels: [],
                              sampleShape: [5], count: targets.count / 2)
        (dataset.targets, dataset.targetCount) = (targets, 2)
        let loss = try ConfigDecoder.loss(fixture["loss"]!, at: "loss").0
        let evaluation = Evaluation.run(network, on: dataset, classCount: 0, batchSize: 5, loss: loss,
                                        targetNormalization: fitted, context: Context(compute: Compute(threads: 1)))
        let expected = try #require(fixture["final_eval"])
        let errors = try #require(evaluation.regression)
        #expect(evaluation.samples == 12)
        for (key, value) in [("loss", evaluation.loss), ("mae", errors.mae), ("rmse", errors.rmse), ("r2", errors.r2)] {
            #expect(maxRelativeDifference([value], [expected[key]?.double ?? .nan]) < 2e-4, "\(name): \(key) \(value)")
        }
    }
}
