import Foundation
import Testing
@testable import DNN

/// Checkpoints of every example config hold exactly the `state_dict()` of the equivalent
/// PyTorch model (names, order, shapes, dtypes; fixture example_models.json, written by
/// tools/make_fixtures.py from configs/), so `load_state_dict(strict=True)` accepts them.
/// `tools/check_checkpoint.py` proves the same on real files where PyTorch is installed.
@Suite struct CheckpointLayoutTests {
    static let cases = (try? Fixtures.cases("example_models.json")) ?? []
    static let names = cases.compactMap { $0["name"]?.stringValue }

    @Test("every example config has a fixture") func everyConfigCovered() throws {
        let configs = try FileManager.default.contentsOfDirectory(atPath: TestPaths.packageRoot + "/configs")
            .filter { $0.hasSuffix(".json") }
        #expect(Set(configs) == Set(Self.names))
    }

    @Test("state matches torch's state_dict", arguments: names)
    func stateMatchesPyTorch(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        let loaded = try Config.load(path: TestPaths.packageRoot + "/configs/" + name)
        let inputShape = (fixture["input_shape"]?.array ?? []).compactMap(\.int)
        var random = RandomGenerator(seed: 0)
        let network: Sequential<Float> = try NetworkBuilder.build(loaded.config.model.layers, inputShape: inputShape,
                                                                  random: &random)
        #expect(network.outputShape == (fixture["output_shape"]?.array ?? []).compactMap(\.int))
        let tensors = Checkpoint.stateTensors(of: network)
        let expected = fixture["state"]?.array ?? []
        #expect(tensors.map(\.name) == expected.compactMap { $0["name"]?.stringValue })
        for (tensor, reference) in zip(tensors, expected) {
            #expect(tensor.tensor.shape == (reference["shape"]?.array ?? []).compactMap(\.int), "\(tensor.name)")
            let dtype = reference["dtype"]?.stringValue == "int64" ? "I64" : "F32"
            #expect(tensor.tensor.dtype == dtype, "\(tensor.name)")
        }
        let parameterCount = network.parameters.reduce(0) { $0 + $1.parameter.value.count }
        #expect(parameterCount == fixture["parameters"]?.int)
    }

    @Test func writtenCheckpointReadsBackWithItsMetadata() throws {
        let directory = TestPaths.temporaryDirectory()
        let loaded = try Config.load(path: TestPaths.packageRoot + "/configs/every_layer.json")
        var random = RandomGenerator(seed: 4)
        let network: Sequential<Float> = try NetworkBuilder.build(loaded.config.model.layers, inputShape: [1, 2, 2],
                                                                  random: &random)
        let classes = ClassEncoding(names: ["a", "b", "c"])
        let normalization = Normalization.standardize(mean: [1, 2, 3, 4], std: [0.5, 1, 1, 2])
        try Checkpoint.write(network, configJSON: loaded.config.resolvedJSON, classes: classes,
                             normalization: normalization, epoch: 7, metrics: ["epoch": 7], to: directory + "/c.safetensors")
        let checkpoint = try Checkpoint.read(path: directory + "/c.safetensors")
        #expect(checkpoint.epoch == 7)
        #expect(checkpoint.classes == classes)
        #expect(checkpoint.normalization == normalization)
        #expect(checkpoint.config.model.layers == loaded.config.model.layers)
        var other = RandomGenerator(seed: 5)
        let copy: Sequential<Float> = try NetworkBuilder.build(loaded.config.model.layers, inputShape: [1, 2, 2],
                                                               random: &other)
        try Checkpoint.load(checkpoint.tensors, into: copy, strict: true, path: "c.safetensors")
        #expect(Checkpoint.stateTensors(of: copy).map(\.tensor) == Checkpoint.stateTensors(of: network).map(\.tensor))
    }
}
