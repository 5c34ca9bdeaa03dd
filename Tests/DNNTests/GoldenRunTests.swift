import Testing
@testable import DNN

/// Whole training runs against PyTorch (fixtures: training.json, written by
/// tools/make_fixtures.py): the same initial weights, batches in file order, every
/// iteration's loss and the final weights. The Double run must agree to rounding; the
/// Float run, which is what `dnn train` executes, to single precision. `mlp_recipe` adds
/// issue #12's recipe: warmup then cosine (stepped after each epoch, as the trainer does),
/// clip_grad_norm, label smoothing and class weights.
@Suite struct GoldenRunTests {
    static let cases = (try? Fixtures.cases("training.json")) ?? []
    static let names = cases.compactMap { $0["name"]?.stringValue }

    struct Run<T: Scalar> {
        var losses: [Double] = []
        var state: [String: [Double]] = [:]
    }

    /// The fixture's network (`layers`, `input_shape`) with its `initial_state` loaded.
    static func initialNetwork<T: Scalar>(_ fixture: JSON, as type: T.Type) throws -> Sequential<T> {
        var decoder = ConfigDecoder(baseDirectory: "/")
        let specs = try decoder.layers(fixture["layers"]!, at: "layers", allowEmpty: false)
        let inputShape = (fixture["input_shape"]?.array ?? []).compactMap(\.int)
        var random = RandomGenerator(seed: 0)
        let network: Sequential<T> = try NetworkBuilder.build(specs, inputShape: inputShape, random: &random)
        var initial: [(name: String, tensor: SafeTensors.Tensor)] = []
        for (name, value) in try #require(fixture["initial_state"]?.object, "training.json: no initial_state") {
            let (shape, data) = Fixtures.tensor(value)
            initial.append((name, name.hasSuffix("num_batches_tracked")
                ? SafeTensors.Tensor(int64: Int64(data.first ?? 0)) : SafeTensors.Tensor(data, shape: shape)))
        }
        try Checkpoint.load(SafeTensors(tensors: initial), into: network, strict: true, path: "fixture")
        return network
    }

    /// Every tensor of `network` by checkpoint name, as Doubles.
    static func state<T: Scalar>(of network: Sequential<T>) -> [String: [Double]] {
        var state: [String: [Double]] = [:]
        for (name, entry) in network.state {
            switch entry {
            case .parameter(let parameter): state[name] = parameter.value.array.map { Double($0) }
            case .buffer(let tensor): state[name] = tensor.array.map { Double($0) }
            case .counter(let counter): state[name] = [Double(counter.value)]
            }
        }
        return state
    }

    static func replay<T: Scalar>(_ fixture: JSON, as type: T.Type) throws -> Run<T> {
        let decoder = ConfigDecoder(baseDirectory: "/")
        let inputShape = (fixture["input_shape"]?.array ?? []).compactMap(\.int)
        let network = try initialNetwork(fixture, as: T.self)
        let solver = fixture["solver"]!
        let optimizerConfig = try decoder.optimizer(solver["optimizer"]!, at: "solver.optimizer").0
        let optimizer: any Optimizer<T> = optimizerConfig.makeOptimizer(for: network.parameters)
        network.skipInputGradient()  // as the trainer does: the golden runs cover that path
        let loss = try fixture["loss"].map { try ConfigDecoder.loss($0, at: "loss").0 } ?? .crossEntropy
        let step = TrainingStep(network: network, optimizer: optimizer, reg: solver["reg"]?.double ?? 0,
                                clipGradNorm: solver["clip_grad_norm"]?.double, loss: loss)
        let schedule = LearningRateSchedule(
            baseRate: optimizerConfig.learningRate,
            warmup: try solver["warmup"].map { try decoder.warmup($0, at: "solver.warmup").0 },
            schedule: try solver["lr_schedule"].map { try decoder.lrSchedule($0, at: "solver.lr_schedule").0 },
            monitor: .validationAccuracy)
        var plateau = schedule.initialPlateau
        optimizer.learningRate = schedule.firstRate
        let features = Fixtures.tensor(fixture["features"])
        let labels = (fixture["labels"]?.array ?? []).compactMap(\.int).map(Int32.init)
        let batchSize = solver["batch_size"]!.int!, sampleSize = features.data.count / labels.count
        let context = Context(compute: Compute(threads: 2))
        var run = Run<T>()
        for epoch in 1...(solver["epochs"]?.int ?? 1) {
            for start in stride(from: 0, to: labels.count, by: batchSize) {
                let end = min(start + batchSize, labels.count)
                let input = Tensor<T>(shape: [end - start] + inputShape,
                                      values: features.data[(start * sampleSize)..<(end * sampleSize)].map { T($0) })
                let batchLabels = Array(labels[start..<end])
                let result = batchLabels.withUnsafeBufferPointer { step.run(input, labels: $0.baseAddress!, context: context) }
                run.losses.append(result.loss)
            }
            optimizer.learningRate = schedule.nextRate(after: epoch, rate: optimizer.learningRate, value: nil,
                                                       plateau: &plateau)
        }
        run.state = state(of: network)
        return run
    }

    static func compare<T: Scalar>(_ run: Run<T>, _ fixture: JSON, tolerance: Double) throws {
        let name = fixture["name"]?.stringValue ?? "?"
        let expectedLosses = (fixture["losses"]?.array ?? []).compactMap(\.double)
        #expect(!expectedLosses.isEmpty && run.losses.count == expectedLosses.count, "\(name): losses")
        // Every tensor of the network is in the fixture and compared: none passes by absence.
        #expect(fixture["final_state"]?.object?.map(\.key).sorted() == run.state.keys.sorted(), "\(name): final_state")
        #expect(maxRelativeDifference(run.losses, expectedLosses) < tolerance, "\(name): losses \(run.losses) vs \(expectedLosses)")
        for (tensorName, expected) in try #require(fixture["final_state"]?.object, "training.json: no final_state") {
            let difference = maxRelativeDifference(run.state[tensorName] ?? [], Fixtures.tensor(expected).data)
            #expect(difference < tolerance, "\(name): \(tensorName) differs by \(difference)")
        }
    }

    /// The MLP's batchnorm is followed by a ReLU, which it computes itself: the golden runs
    /// check that fused path against PyTorch's separate modules.
    @Test func batchnormFollowedByReLUIsFused() throws {
        var decoder = ConfigDecoder(baseDirectory: "/")
        let specs = try decoder.layers(["{\"type\": \"linear\", \"out\": 4}", "{\"type\": \"batchnorm\"}", "{\"type\": \"relu\"}",
                                        "{\"type\": \"relu\"}"].map { try JSON.parse($0, file: "spec") }.asJSON,
                                       at: "layers", allowEmpty: false)
        var random = RandomGenerator(seed: 0)
        let network: Sequential<Double> = try NetworkBuilder.build(specs, inputShape: [3], random: &random)
        #expect((network.layers[1] as? BatchNorm<Double>)?.fusedReLU == true)
        #expect((network.layers[2] as? ActivationLayer<Double>)?.passThrough == true)
        #expect((network.layers[3] as? ActivationLayer<Double>)?.passThrough == false)
    }

    /// The parameterised runs below pass vacuously without cases: guard their count.
    @Test func fixturesArePresent() {
        #expect(Self.names.count == 4, "training.json: \(Self.names)")
        let recipe = Self.cases.first { $0["name"]?.stringValue == "mlp_recipe" }
        #expect(recipe?["clipped_steps"]?.int ?? 0 > 0, "the recipe's clipping is exercised")
    }

    @Test("Double run matches PyTorch to rounding", arguments: names)
    func doubleRun(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        try Self.compare(try Self.replay(fixture, as: Double.self), fixture, tolerance: 1e-10)
    }

    @Test("Float run matches PyTorch to single precision", arguments: names)
    func floatRun(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        try Self.compare(try Self.replay(fixture, as: Float.self), fixture, tolerance: 2e-4)
    }
}

extension Array where Element == JSON {
    var asJSON: JSON { .array(self) }
}
