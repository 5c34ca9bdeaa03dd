import Foundation
import Testing
@testable import DNN

/// `dnn export` read back byte by byte (no Python): the graph of Tests/onnx/every_form.json
/// (every padding form, the 4-d norms, residual blocks with and without a shortcut), its
/// weights, interface and metadata, and the refusals of bad input. ONNXRuntimeTests runs
/// the same exports in onnxruntime.
@Suite struct ONNXExportTests {
    static let config = TestPaths.packageRoot + "/Tests/onnx/every_form.json"

    /// every_form trained for one epoch, once for the suite: its run directory.
    static let run: String = {
        let directory = TestPaths.temporaryDirectory() + "/run"
        _ = try? CLI.run(["train", config, "--out", directory, "--quiet", "--epochs", "1"])
        return directory
    }()

    static var checkpoint: String { run + "/best.safetensors" }

    /// Exports the suite's checkpoint at `opset` and decodes the file.
    static func export(opset: Int) throws -> DecodedONNXModel {
        let output = TestPaths.temporaryDirectory() + "/model.onnx"
        let result = try CLI.run(["export", checkpoint, "-o", output, "--opset", String(opset)])
        try #require(result.status == 0, "\(result.stderr)")
        return try DecodedONNXModel(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
    }

    /// The operators of every_form in order at opset 17, layer by layer.
    static let operatorsAtOpset17: [String] = [
        "Sub", "Div",                                              // standardize: (x - mean) / std
        "Conv", "Conv", "BatchNormalization",                      // 0, 1 ("same", kernel 4), 2
        "Mul", "Erf", "Add", "Mul", "Div",                         // 3 gelu: x·(1 + erf(x/√2))/2
        "Conv", "LayerNormalization", "MaxPool",                   // 4 ("same", kernel [2, 3]), 5, 6
        "Conv", "InstanceNormalization", "LeakyRelu", "Conv",      // 7.body (dropout2d removed)
        "Conv", "BatchNormalization", "Add",                       // 7.shortcut, body + shortcut
        "Mul", "ReduceMean", "Add", "Sqrt", "Div", "Mul",          // 8.body.0 rmsnorm
        "Sigmoid", "Conv", "Add",                                  // 8.body.1, 8.body.2, + identity
        "Tanh", "AveragePool", "Relu", "Sigmoid", "Mul",           // 9, 10, (11), 12, 13 silu: x·σ(x)
        "Flatten", "Gemm", "Gemm",                                 // 14, 15, (16), 17
        "Softmax",
    ]

    @Test func nodesFollowTheLayersAtOpset17() throws {
        let model = try Self.export(opset: 17)
        #expect(model.nodes.map(\.opType) == Self.operatorsAtOpset17)
        #expect(model.nodes.first?.inputs.first == "input")
        #expect(model.nodes.dropLast().last?.outputs == ["logits"])
        #expect(model.nodes.last?.inputs == ["logits"])
        #expect(model.nodes.last?.outputs == ["probabilities"])
        #expect(model.nodes.last?.attributes["axis"]?.int == 1)
        // Every node input is the graph input, an initializer or an earlier node's output.
        var known = Set(["input"] + model.initializers.map(\.name))
        for node in model.nodes {
            for input in node.inputs { #expect(known.contains(input), "\(node.name) reads \(input) before it exists") }
            known.formUnion(node.outputs)
        }
    }

    @Test func opset21UsesGeluAndReduceMeanAxesInput() throws {
        let model = try Self.export(opset: 21)
        #expect(model.opsets.map(\.version) == [21] && model.opsets.map(\.domain) == [""])
        #expect(model.irVersion == 10)
        let gelu = try #require(model.nodes.first { $0.opType == "Gelu" })
        #expect(gelu.attributes["approximate"] == .init(type: 3, float: nil, int: nil, string: "none", ints: []))
        #expect(!model.nodes.contains { $0.opType == "Erf" })
        let reduce = try #require(model.nodes.first { $0.opType == "ReduceMean" })
        #expect(reduce.inputs.count == 2 && reduce.attributes["axes"] == nil)
        let axes = try #require(model.initializers.first { $0.name == reduce.inputs[1] })
        #expect(axes.dataType == 7 && axes.dims == [3])
        let littleEndianAxes: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]
        #expect(axes.rawData == littleEndianAxes)
    }

    @Test func interfaceAndMetadata() throws {
        let model = try Self.export(opset: 17)
        #expect(model.irVersion == 8)
        #expect(model.opsets.map(\.version) == [17] && model.opsets.map(\.domain) == [""])
        #expect(model.producerName == "dnn" && model.producerVersion == DNNVersion.current)
        #expect(model.graphName == "every_form")
        #expect(model.inputs.map(\.name) == ["input"])
        #expect(model.inputs.first?.elementType == 1)
        #expect(model.inputs.first?.dims == [.symbol("batch"), .size(1), .size(2), .size(2)])
        #expect(model.outputs.map(\.name) == ["logits", "probabilities"])
        for output in model.outputs {
            #expect(output.elementType == 1 && output.dims == [.symbol("batch"), .size(3)])
        }
        let checkpoint = try Checkpoint.read(path: Self.checkpoint)
        #expect(model.metadata["classes"] == #"["setosa","versicolor","virginica"]"#)
        let config = try JSON.parse(try #require(model.metadata["dnn_config"]), file: "dnn_config")
        #expect(config == checkpoint.configJSON)
    }

    @Test func initializersAreTheCheckpointTensors() throws {
        let model = try Self.export(opset: 17)
        let expected: [(String, [Int])] = [
            ("normalize.mean", [1, 2, 2]), ("normalize.std", [1, 2, 2]), ("0.weight", [3, 1, 1, 1]), ("0.bias", [3]),
            ("1.weight", [4, 3, 4, 4]), ("2.weight", [4]), ("2.bias", [4]), ("2.running_mean", [4]),
            ("2.running_var", [4]), ("3.inv_sqrt2", []), ("3.one", []), ("3.two", []), ("4.weight", [4, 4, 2, 3]),
            ("4.bias", [4]), ("5.weight.per_element", [4, 6, 8]), ("5.bias.per_element", [4, 6, 8]),
            ("7.body.0.weight", [6, 4, 3, 2]), ("7.body.0.bias", [6]), ("7.body.1.weight", [6]), ("7.body.1.bias", [6]),
            ("7.body.4.weight", [6, 6, 2, 2]), ("7.body.4.bias", [6]), ("7.shortcut.0.weight", [6, 4, 1, 1]),
            ("7.shortcut.1.weight", [6]), ("7.shortcut.1.bias", [6]), ("7.shortcut.1.running_mean", [6]),
            ("7.shortcut.1.running_var", [6]), ("8.body.0.eps", []), ("8.body.0.weight", [6, 2, 2]),
            ("8.body.2.weight", [6, 6, 3, 3]), ("8.body.2.bias", [6]), ("15.weight", [10, 36]), ("17.weight", [3, 10]),
            ("17.bias", [3]),
        ]
        #expect(model.initializers.map(\.name) == expected.map(\.0))
        #expect(model.initializers.map(\.dims) == expected.map(\.1))
        #expect(model.initializers.allSatisfy { $0.dataType == 1 && $0.rawData.count == 4 * $0.dims.reduce(1, *) })

        let checkpoint = try Checkpoint.read(path: Self.checkpoint)
        let byName = Dictionary(model.initializers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in checkpoint.tensors.tensors where tensor.dtype == "F32" {
            let values: [Float] = try tensor.values(as: Float.self, name: name, file: Self.checkpoint)
            if name.hasPrefix("5.") {
                // layernorm on [4, 6, 8]: the per-channel affine repeated over the 6·8 positions.
                let expanded = values.flatMap { Array(repeating: $0, count: 48) }
                #expect(byName["\(name).per_element"]?.floats == expanded, "\(name)")
            } else {
                #expect(byName[name]?.floats == values, "\(name)")
            }
        }
        guard case let .standardize(mean, std) = checkpoint.normalization else {
            Issue.record("every_form standardizes its features")
            return
        }
        #expect(byName["normalize.mean"]?.floats == mean && byName["normalize.std"]?.floats == std)
        #expect(byName["3.inv_sqrt2"]?.floats == [Float(0.5).squareRoot()] && byName["8.body.0.eps"]?.floats == [1e-5])
    }

    @Test func windowsCarryPyTorchPadding() throws {
        let nodes = try Self.export(opset: 17).nodes
        func attributes(_ name: String) throws -> [String: DecodedONNXModel.Attribute] {
            try #require(nodes.first { $0.name == name }, "no node \(name)").attributes
        }
        // pads are [top, left, bottom, right]; "same" puts the odd pixel after, as PyTorch.
        #expect(try attributes("0/Conv")["pads"]?.ints == [2, 3, 2, 3])
        #expect(try attributes("1/Conv")["pads"]?.ints == [1, 1, 2, 2])
        #expect(try attributes("1/Conv")["kernel_shape"]?.ints == [4, 4])
        #expect(try attributes("4/Conv")["pads"]?.ints == [0, 1, 1, 1])
        #expect(try attributes("7.body.0/Conv")["strides"]?.ints == [2, 2])
        #expect(try attributes("7.body.0/Conv")["pads"]?.ints == [1, 0, 1, 0])
        let maxPool = try attributes("6/MaxPool")
        #expect(maxPool["kernel_shape"]?.ints == [3, 3] && maxPool["strides"]?.ints == [2, 2])
        #expect(maxPool["pads"]?.ints == [1, 1, 1, 1] && maxPool["ceil_mode"]?.int == 0)
        let averagePool = try attributes("10/AveragePool")
        #expect(averagePool["kernel_shape"]?.ints == [2, 3] && averagePool["strides"]?.ints == [1, 1])
        #expect(averagePool["pads"]?.ints == [1, 1, 1, 1] && averagePool["count_include_pad"]?.int == 1)
        #expect(try attributes("7.body.2/LeakyRelu")["alpha"]?.float == 0.2)
        #expect(try attributes("2/BatchNormalization")["epsilon"]?.float == 1e-5)
        #expect(try attributes("5/LayerNormalization")["axis"]?.int == 1)
        #expect(try attributes("14/Flatten")["axis"]?.int == 1)
        #expect(try attributes("15/Gemm")["transB"]?.int == 1)
        let noBias = try #require(nodes.first { $0.name == "15/Gemm" })
        #expect(noBias.inputs == ["14/Flatten", "15.weight"])
    }

    /// `silu`'s lowering alone: the input times its Sigmoid (x·σ(x), `nn.SiLU`), the two
    /// nodes the every-form export above expects for its layer 13.
    @Test func siluLowersToSigmoidTimesInput() {
        var lowering = ONNXLowering(network: Sequential<Float>([], inputShape: [4]), opset: 17, input: "input")
        let output = lowering.silu("input", scope: "0")
        #expect(lowering.graph.nodes.map(\.opType) == ["Sigmoid", "Mul"])
        #expect(lowering.graph.nodes.last?.inputs == ["input", "0/Sigmoid"] && output == "0/Mul")
    }

    @Test func protobufWireFormat() {
        var writer = ProtobufWriter()
        writer.int(1, 300)            // key 0x08, varint 300 = AC 02
        writer.int(2, -1)             // ten bytes of two's complement
        writer.float(3, 1)            // key 0x1D, 00 00 80 3F
        writer.string(4, "hi")        // key 0x22, length 2
        writer.packedInts(5, [1, 150])
        let minusOne: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        let expected: [UInt8] = [0x08, 0xAC, 0x02, 0x10] + minusOne
            + [0x1D, 0x00, 0x00, 0x80, 0x3F, 0x22, 0x02, 0x68, 0x69, 0x2A, 0x03, 0x01, 0x96, 0x01]
        #expect(writer.bytes == expected)
    }
}
