import Foundation
import Testing
@testable import DNN

/// The sequence layers through the built `dnn`: the time-series configs train on the shipped
/// GunPoint CSV, their checkpoints load in `dnn eval` with PyTorch's names and shapes
/// (example_models.json, from tools/make_fixtures.py, checks every tensor against
/// `state_dict()`), `dnn gradcheck` covers every 1-d layer, and a bad shape is a config error.
@Suite struct CLISequenceTests {
    static let fcn = TestPaths.packageRoot + "/configs/ts_fcn.json"

    @Test func fcnTrainsAndItsCheckpointEvaluatesTheTestSeries() throws {
        let directory = TestPaths.temporaryDirectory()
        let run = directory + "/run"
        let train = try CLI.run(["train", Self.fcn, "--out", run, "--epochs", "2", "--threads", "2", "--quiet"])
        #expect(train.status == 0, "\(train.stderr)")
        let eval = try CLI.run(["eval", run + "/last.safetensors", "--json", "--threads", "2"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let json = try JSON.parse(eval.stdout, file: "stdout")
        #expect(json["samples"]?.int == 150, "data/gunpoint_test.csv: 150 series")
        #expect(json["classes"] == ["gun_draw", "point"])
        let loss = try #require(json["loss"]?.double)
        #expect(loss.isFinite && loss > 0)
        let checkpoint = try Checkpoint.read(path: run + "/last.safetensors")
        let shapes = Dictionary(uniqueKeysWithValues: checkpoint.tensors.tensors.map { ($0.name, $0.tensor.shape) })
        // conv1d weight [out, in, kernel], no bias (the config says bias: false); batchnorm per channel.
        #expect(shapes["0.weight"] == [128, 1, 8])
        #expect(shapes["0.bias"] == nil)
        #expect(shapes["3.weight"] == [256, 128, 5])
        #expect(shapes["7.running_var"] == [128])
        #expect(shapes["10.weight"] == [2, 128])
    }

    /// `dnn inspect`'s numbers for the FCN: 2·C·k FLOPs per conv1d output (no bias here), one
    /// per position for the global average, and the memory plan's parameter count.
    @Test func summaryCountsConv1DFLOPs() throws {
        let loaded = try Config.load(path: Self.fcn)
        let summary = try ModelSummary(loaded.config.model.layers, inputShape: [1, 150], batchSize: 16)
        #expect(summary.rows.map(\.outputShape) == [[128, 150], [128, 150], [128, 150], [256, 150], [256, 150],
                                                    [256, 150], [128, 150], [128, 150], [128, 150], [128], [2]])
        let flops = summary.rows.map(\.flops)
        let first: Int = 2 * 1 * 8 * 128 * 150, second: Int = 2 * 128 * 5 * 256 * 150, average: Int = 128 * 150
        #expect(flops[0] == first && flops[3] == second && flops[9] == average)
        #expect(summary.parameters == 264_450)
        #expect(summary.trainingBytes > summary.parameters * MemoryPlan.parameterCopies * 4)
    }

    @Test func gradcheckCoversEverySequenceLayer() throws {
        let config = TestPaths.packageRoot + "/Tests/onnx/sequences.json"
        let result = try CLI.run(["gradcheck", config, "--batch", "2", "--entries", "8", "--threads", "2", "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let checks = try JSON.parse(result.stdout, file: "stdout")["checks"]?.array ?? []
        let names = Set(checks.compactMap { $0["param"]?.stringValue })
        #expect(names == ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "8.body.0.weight", "8.body.0.bias",
                          "8.body.1.weight", "8.body.1.bias", "10.weight", "10.bias", "12.weight", "12.bias"])
        for check in checks {
            #expect((check["relative_error"]?.double ?? 1) < 1e-6, "\(check)")
        }
    }

    /// Tests/onnx/sequences.json exported and read back (ONNXRuntimeTests runs it in onnxruntime).
    @Test func exportLowersEverySequenceLayer() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = TestPaths.packageRoot + "/Tests/onnx/sequences.json"
        #expect(try CLI.run(["train", config, "--out", directory + "/run", "--epochs", "1", "--quiet"]).status == 0)
        let output = directory + "/model.onnx"
        let export = try CLI.run(["export", directory + "/run/best.safetensors", "-o", output])
        try #require(export.status == 0, "\(export.stderr)")
        let model = try DecodedONNXModel(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        #expect(model.nodes.map(\.opType) == [
            "Sub", "Div",                                                // standardize
            "Conv", "BatchNormalization", "Relu", "MaxPool", "Conv",     // 0 to 4
            "AveragePool", "Transpose", "Transpose",                     // 5 to 7
            "Conv", "BatchNormalization", "Tanh", "Add",                 // 8: body + identity
            "MaxPool", "Conv", "GlobalMaxPool", "Flatten", "Gemm",       // 9 to 12
            "Softmax",
        ])
        let nodes = model.nodes
        // conv1d kernel 4, dilation 2, "same": 6 zeros, 3 before and 3 after.
        #expect(nodes[2].attributes["kernel_shape"]?.ints == [4] && nodes[2].attributes["dilations"]?.ints == [2])
        #expect(nodes[2].attributes["pads"]?.ints == [3, 3] && nodes[2].attributes["strides"]?.ints == [1])
        #expect(nodes[5].attributes["kernel_shape"]?.ints == [3] && nodes[5].attributes["pads"]?.ints == [1, 1])
        #expect(nodes[6].attributes["strides"]?.ints == [2] && nodes[6].inputs.count == 2, "conv1d without bias")
        #expect(nodes[7].attributes["count_include_pad"]?.int == 1)
        #expect(nodes[8].attributes["perm"]?.ints == [0, 2, 1])
        #expect(nodes[17].attributes["axis"]?.int == 1)
        #expect(model.initializers.first { $0.name == "0.weight" }?.dims == [4, 1, 4])
    }

    @Test func sequenceLayersRefuseShapesTheyCannotTake() throws {
        let directory = TestPaths.temporaryDirectory()
        func error(_ layers: String, shape: String = "[1, 150]") throws -> String {
            let result = try CLI.run(["train", Self.fcn, "--out", directory + "/run", "--set", "model.input_shape=\(shape)",
                                      "--set", "model.layers=\(layers)"])
            #expect(result.status == 2)
            return result.stderr
        }
        let flat = try error(#"[{"type": "conv1d", "out": 2, "kernel": 3}, {"type": "flatten"}, {"type": "linear", "out": 2}]"#,
                             shape: "[150]")
        #expect(flat.contains("model.layers[0]") && flat.contains("conv1d needs an input of shape [C, T]")
                && flat.contains("model.input_shape"))
        let long = try error(#"[{"type": "conv1d", "out": 2, "kernel": 40, "dilation": 4}, {"type": "global_avgpool"}, {"type": "linear", "out": 2}]"#)
        #expect(long.contains("model.layers[0]") && long.contains("spans 157 positions") && long.contains("150"))
        let huge = try error(#"[{"type": "conv1d", "out": 2, "kernel": 4611686018427387904, "dilation": 4, "padding": "same"}, {"type": "global_avgpool"}, {"type": "linear", "out": 2}]"#)
        #expect(huge.contains("model.layers[0]") && huge.contains("too large"))
        let pool = try error(#"[{"type": "maxpool1d", "kernel": 4, "padding": 3}, {"type": "global_maxpool"}, {"type": "linear", "out": 2}]"#)
        #expect(pool.contains("model.layers[0].padding") && pool.contains("at most half the kernel"))
        let same = try error(#"[{"type": "conv1d", "out": 2, "kernel": 3, "stride": 2, "padding": "same"}, {"type": "global_avgpool"}, {"type": "linear", "out": 2}]"#)
        #expect(same.contains("model.layers[0].padding") && same.contains("needs stride 1"))
    }
}
