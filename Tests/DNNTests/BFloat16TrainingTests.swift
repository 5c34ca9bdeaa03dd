import Testing
@testable import DNN

/// Training steps with `precision: "bf16"` against PyTorch (fixture bf16_training.json,
/// written by tools/make_bf16_fixtures.py): an MLP (linear, relu, batchnorm, gelu) and a
/// CNN whose convolutions take the direct and the im2col paths.
/// - `losses`/`final_state`: the products of bf16-rounded operands with everything else
///   exact (float64). dnn's Float run equals it to float32 rounding: 2e-5, the same bound
///   as the float32 golden runs, while plain float32 products miss it by about 1e-3.
/// - `autocast`: one plain SGD step of PyTorch's own `torch.autocast("cpu", dtype=torch.bfloat16)`,
///   which also stores each product's output in bfloat16; dnn keeps those in float32, so
///   they agree to bfloat16's precision: the loss to 1e-2 relative, and the weights after
///   the step to 3e-2 of the largest update.
@Suite struct BFloat16TrainingTests {
    static let cases = (try? Fixtures.cases("bf16_training.json")) ?? []
    static let names = cases.compactMap { $0["name"]?.stringValue }

    static func fixture(_ name: String) -> JSON {
        cases.first { $0["name"]?.stringValue == name } ?? .null
    }

    struct Run {
        var losses: [Double] = []
        var initial: [String: [Double]] = [:]
        var state: [String: [Double]] = [:]
    }

    static func replay(_ fixture: JSON, steps: Int, precision: Precision, optimizer: JSON? = nil) throws -> Run {
        let decoder = ConfigDecoder(baseDirectory: "/")
        let network = try GoldenRunTests.initialNetwork(fixture, as: Float.self)
        let solver = fixture["solver"]!
        let optimizer = try decoder.optimizer(optimizer ?? solver["optimizer"]!, at: "solver.optimizer").0
            .makeOptimizer(for: network.parameters) as any Optimizer<Float>
        network.skipInputGradient()
        let step = TrainingStep(network: network, optimizer: optimizer, reg: 0)
        let inputShape = (fixture["input_shape"]?.array ?? []).compactMap(\.int)
        let features = Fixtures.tensor(fixture["features"])
        let labels = (fixture["labels"]?.array ?? []).compactMap(\.int).map(Int32.init)
        let batchSize = solver["batch_size"]!.int!, sampleSize = features.data.count / labels.count
        let compute = Compute(threads: 2)
        compute.productPrecision = precision
        let context = Context(compute: compute)
        var run = Run(initial: GoldenRunTests.state(of: network))
        for index in 0..<steps {
            let start = index * batchSize % labels.count, end = start + batchSize
            let input = Tensor<Float>(shape: [batchSize] + inputShape,
                                      values: features.data[(start * sampleSize)..<(end * sampleSize)].map { Float($0) })
            let batchLabels = Array(labels[start..<end])
            let result = batchLabels.withUnsafeBufferPointer { step.run(input, labels: $0.baseAddress!, context: context) }
            run.losses.append(result.loss)
        }
        run.state = GoldenRunTests.state(of: network)
        return run
    }

    @Test func fixtureHasCases() {
        #expect(Self.cases.count == 2, "bf16_training.json: \(Self.cases.count) cases")
    }

    @Test(BFloat16Tests.needsBFloat16, arguments: names)
    func matchesRoundedOperandProducts(_ name: String) throws {
        let fixture = Self.fixture(name)
        let steps = fixture["solver"]?["steps"]?.int ?? 0
        let run = try Self.replay(fixture, steps: steps, precision: .bf16)
        let expected = (fixture["losses"]?.array ?? []).compactMap(\.double)
        #expect(expected.count == steps && maxRelativeDifference(run.losses, expected) < 2e-5,
                "\(name): losses \(run.losses) vs \(expected)")
        #expect(fixture["final_state"]?.object?.map(\.key).sorted() == run.state.keys.sorted(), "\(name): tensors")
        for (tensorName, value) in try #require(fixture["final_state"]?.object, "bf16_training.json: no final_state") {
            let difference = maxRelativeDifference(run.state[tensorName] ?? [], Fixtures.tensor(value).data)
            #expect(difference < 2e-5, "\(name): \(tensorName) differs by \(difference)")
        }
        // The same steps with float32 products do not pass: the fixture sees the rounding.
        let float32 = try Self.replay(fixture, steps: steps, precision: .fp32)
        #expect(maxRelativeDifference(float32.losses, expected) > 1e-4, "\(name): fp32 losses \(float32.losses)")
    }

    @Test(BFloat16Tests.needsBFloat16, arguments: names)
    func agreesWithAutocastToBFloat16Precision(_ name: String) throws {
        let fixture = Self.fixture(name)
        let autocast = fixture["autocast"]!
        let run = try Self.replay(fixture, steps: 1, precision: .bf16, optimizer: autocast["optimizer"])
        let loss = autocast["losses"]?.array?.first?.double ?? .nan
        #expect(abs(run.losses[0] - loss) < 1e-2 * abs(loss), "\(name): loss \(run.losses[0]) vs autocast \(loss)")
        for (tensorName, value) in try #require(autocast["final_state"]?.object, "bf16_training.json: no autocast final_state") where !tensorName.hasSuffix("num_batches_tracked") {
            let expected = Fixtures.tensor(value).data, initial = run.initial[tensorName] ?? []
            let actual = run.state[tensorName] ?? []
            let update = zip(expected, initial).map { abs($0 - $1) }.max() ?? 0
            let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(actual.count == expected.count && difference <= 3e-2 * update,
                    "\(name): \(tensorName) differs from autocast by \(difference), update \(update)")
        }
    }
}
