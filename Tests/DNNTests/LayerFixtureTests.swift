import Testing
@testable import DNN

/// Every layer against PyTorch in forward and backward (fixtures: layers.json and the
/// sequence layers' attention_layers.json, written by tools/make_fixtures.py in float64): output, input gradient, parameter gradients and
/// the buffers after the pass, for each case's mode. Then the same layer and input
/// against numeric gradients in Double.
@Suite struct LayerFixtureTests {
    static let cases = ((try? Fixtures.cases("layers.json")) ?? []) + ((try? Fixtures.cases("attention_layers.json")) ?? [])
    static let names = cases.compactMap { $0["name"]?.stringValue }

    /// Builds the case's layer as a one-layer network and loads the fixture's state.
    static func build(_ fixture: JSON) throws -> (Sequential<Double>, Tensor<Double>, Mode) {
        let input = Fixtures.doubleTensor(fixture["input"])
        let spec = try Fixtures.layerSpec(fixture["layer"]!)
        var random = RandomGenerator(seed: 0)
        let network: Sequential<Double> = try NetworkBuilder.build([spec], inputShape: Array(input.shape.dropFirst()),
                                                                   random: &random)
        var state: [(name: String, tensor: SafeTensors.Tensor)] = []
        for (name, value) in try #require(fixture["state"]?.object, "layers.json: no state") {
            let (shape, data) = Fixtures.tensor(value)
            state.append(("0." + name, name.hasSuffix("num_batches_tracked")
                ? SafeTensors.Tensor(int64: Int64(data.first ?? 0))
                : SafeTensors.Tensor(data, shape: shape)))
        }
        try Checkpoint.load(SafeTensors(tensors: state), into: network, strict: true, path: "layers.json")
        let mode: Mode = fixture["mode"]?.stringValue == "eval" ? .evaluation : .training
        return (network, input, mode)
    }

    @Test("fixture file is present and complete") func fixturesLoaded() {
        #expect(Self.cases.count >= 50)
        #expect(Self.names.contains("attention_causal_3heads"))
    }

    @Test("forward and backward match PyTorch", arguments: names)
    func matchesPyTorch(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        let (network, input, mode) = try Self.build(fixture)
        let context = Context(mode: mode, compute: Compute(threads: 2))
        let y = network.forward(input, context)
        let expectedOutput = Fixtures.tensor(fixture["output"])
        #expect(y.shape == expectedOutput.shape)
        #expect(maxRelativeDifference(y.array, expectedOutput.data) < 1e-12, "output of \(name)")

        for (_, parameter) in network.parameters { parameter.gradient.zero() }
        // Flatten and eval-mode dropout return an alias of this temporary gradient: the
        // alias keeps its memory alive.
        let dx = network.backward(Fixtures.doubleTensor(fixture["grad_output"]), context)
        #expect(maxRelativeDifference(dx.array, Fixtures.tensor(fixture["grad_input"]).data) < 1e-12,
                "input gradient of \(name)")
        let parameters = Dictionary(uniqueKeysWithValues: network.parameters.map { ($0.name, $0.parameter) })
        for (parameterName, expected) in try #require(fixture["grads"]?.object, "\(name): no grads") {
            let parameter = try #require(parameters["0." + parameterName], "no parameter \(parameterName)")
            #expect(maxRelativeDifference(parameter.gradient.array, Fixtures.tensor(expected).data) < 1e-12,
                    "gradient of \(parameterName) in \(name)")
        }
        let state = Dictionary(uniqueKeysWithValues: network.state.map { ($0.name, $0.entry) })
        // A layer with buffers (running statistics, counters) has them after the step in its fixture.
        let hasBuffers = state.values.contains { if case .parameter = $0 { false } else { true } }
        let stateAfter = hasBuffers ? try #require(fixture["state_after"]?.object, "\(name): no state_after") : []
        for (bufferName, expected) in stateAfter {
            switch state["0." + bufferName] {
            case .buffer(let tensor)?:
                #expect(maxRelativeDifference(tensor.array, Fixtures.tensor(expected).data) < 1e-12,
                        "\(bufferName) after \(name)")
            case .counter(let counter)?:
                #expect(Double(counter.value) == Fixtures.tensor(expected).data.first, "\(bufferName) after \(name)")
            case .parameter?:
                break
            case nil:
                Issue.record("no buffer \(bufferName) in \(name)")
            }
        }
    }

    /// The cases named "winograd" reach the Winograd path through the automatic choice.
    @Test func winogradCasesTakeTheWinogradPath() throws {
        let winogradNames = Self.names.filter { $0.contains("winograd") }
        #expect(winogradNames.count == 2)
        for name in winogradNames {
            let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
            let (network, input, _) = try Self.build(fixture)
            let conv = try #require(network.layers.first as? Conv2D<Double>)
            #expect(conv.algorithm.resolved(for: conv.geometry, outChannels: conv.outChannels,
                                            batchSize: input.batchSize) == .winograd, "\(name)")
        }
    }

    @Test("backward matches numeric gradients in Double", arguments: names)
    func numericGradients(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        let (network, input, mode) = try Self.build(fixture)
        for check in GradientCheck.layer(network, input: input, mode: mode) {
            #expect(check.relativeError < 1e-6, "\(name): \(check.name) relative error \(check.relativeError)")
            // Only inputs sitting exactly on a kink (ReLU at 0, max-pool ties) may be skipped.
            #expect(check.checkedEntries > 0 && (check.skippedEntries == 0 || name.contains("zero") || name.contains("ties")),
                    "\(name): \(check.name) skipped \(check.skippedEntries) entries")
        }
    }
}
