import Foundation
import Testing
@testable import DNN

/// `lstm` and `gru` beyond their PyTorch fixtures (layers.json, and the `ts_gru_adam`
/// golden run in training.json, both by tools/make_fixtures.py): what `dnn inspect`
/// counts, the memory plan and shape errors, `dnn gradcheck` of every form, and a stopped
/// and resumed run of configs/ts_gru.json equal bit for bit to one never stopped.
@Suite struct RecurrentTests {
    static let tsGRU = TestPaths.packageRoot + "/configs/ts_gru.json"
    static let forms = TestPaths.packageRoot + "/Tests/onnx/recurrent_forms.json"

    static func specs(_ text: String) throws -> [LayerSpec] {
        var decoder = ConfigDecoder(baseDirectory: "/")
        return try decoder.layers(try JSON.parse(text, file: "layers"), at: "model.layers", allowEmpty: false)
    }

    @Test func summaryCountsPyTorchsParametersAndTheProductFLOPs() throws {
        let summary = try ModelSummary(try Self.specs("""
            [{"type": "lstm", "hidden": 8, "layers": 2, "bidirectional": true, "return": "sequence"},
             {"type": "gru", "hidden": 5}]
            """), inputShape: [10, 3])
        #expect(summary.rows.map(\.outputShape) == [[10, 16], [5]])
        // sum(p.numel() for p in nn.LSTM(3, 8, 2, bidirectional=True).parameters()), and nn.GRU(16, 5)'s.
        #expect(summary.rows.map(\.parameters) == [2 * (32 * 3 + 32 * 8 + 64) + 2 * (32 * 16 + 32 * 8 + 64),
                                                   15 * 16 + 15 * 5 + 30])
        // Per step, layer and direction: 2·G·H·(I + H) for the products, 2·G·H for the biases.
        #expect(summary.rows[0].flops == 10 * (2 * (2 * 32 * 11 + 64) + 2 * (2 * 32 * 24 + 64)))
        #expect(summary.rows[1].flops == 10 * (2 * 15 * 21 + 30))
    }

    @Test func theMemoryPlanCountsTheStatesKeptForBackward() throws {
        let memory = MemoryPlan(batchSize: 4)
        var random = RandomGenerator(seed: 0)
        let spec = RecurrentSpec(cell: .lstm, hidden: 8, layers: 2, bidirectional: true, returnsSequence: true)
        let _: Sequential<Float> = try NetworkBuilder.build([.recurrent(spec)], inputShape: [10, 3], random: &random,
                                                             memory: memory)
        // Each layer's [T, 2H] sequence and, per direction, gates [T, 4H] and c, tanh(c) [T, H]; then the output.
        #expect(memory.activationsPerSample == 10 * 2 * (16 + 2 * (32 + 16)) + 10 * 16)
        #expect(memory.parameters == 2 * (32 * 3 + 32 * 8 + 64) + 2 * (32 * 16 + 32 * 8 + 64))
    }

    @Test func sizesThatCannotFitAndFlatInputsAreConfigErrors() throws {
        var random = RandomGenerator(seed: 0)
        let long = expectError(.config) {
            try NetworkBuilder.build(try Self.specs("[{\"type\": \"gru\", \"hidden\": 4}]"), inputShape: [1 << 40, 1],
                                     random: &random) as Sequential<Float>
        }
        #expect(long?.description.contains("model.layers[0]") == true, "\(String(describing: long))")
        let wide = expectError(.config) {
            try NetworkBuilder.build(try Self.specs("[{\"type\": \"lstm\", \"hidden\": 100000000}]"), inputShape: [5, 2],
                                     random: &random) as Sequential<Float>
        }
        #expect(wide?.description.contains("weights need") == true, "\(String(describing: wide))")
        let flat = expectError(.config) {
            try NetworkBuilder.build(try Self.specs("[{\"type\": \"lstm\", \"hidden\": 4}]"), inputShape: [24],
                                     random: &random) as Sequential<Float>
        }
        #expect(flat?.description.contains("[T, F]") == true && flat?.description.contains("input_shape") == true)
        let badReturn = expectError(.config) { try Self.specs("[{\"type\": \"gru\", \"hidden\": 4, \"return\": \"all\"}]") }
        #expect(badReturn?.description.contains("model.layers[0].return") == true, "\(String(describing: badReturn))")
    }

    /// Stacked, bidirectional, both `return` forms, through a whole network and its loss.
    @Test func gradcheckPassesForEveryForm() throws {
        let result = try CLI.run(["gradcheck", Self.forms, "--batch", "2", "--entries", "12", "--threads", "2", "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let checks = try JSON.parse(result.stdout, file: "stdout")["checks"]?.array ?? []
        let names = Set(checks.compactMap { $0["param"]?.stringValue })
        for name in ["0.weight_ih_l0", "0.bias_hh_l1_reverse", "1.weight_hh_l0", "2.bias_ih_l1_reverse",
                     "3.weight_hh_l0_reverse", "4.weight"] {
            #expect(names.contains(name), "no check of \(name)")
        }
        for check in checks { #expect((check["relative_error"]?.double ?? 1) < 1e-6, "\(check)") }
    }

    /// Float's vectorised σ and tanh (a polynomial exp) against libm in Double over the whole
    /// range, saturation included; Double's are libm's own.
    @Test func vectorSigmoidAndTanhAreAccurate() {
        var worstSigmoid = 0.0, worstTanh = 0.0
        for start in stride(from: -120.0, to: 120.0, by: 16 * 0.0137) {
            let x = SIMD16<Float>((0..<16).map { Float(start + Double($0) * 0.0137) })
            let (s, t) = (Float.sigmoid(x), Float.tanh(x))
            for lane in 0..<16 {
                let value = Double(x[lane])
                worstSigmoid = max(worstSigmoid, abs(Double(s[lane]) - 1 / (1 + Foundation.exp(-value))))
                worstTanh = max(worstTanh, abs(Double(t[lane]) - Foundation.tanh(value)))
            }
        }
        #expect(worstSigmoid < 2e-7 && worstTanh < 4e-7, "σ \(worstSigmoid), tanh \(worstTanh)")
        let x = SIMD8<Double>(-30, -2, -0.5, -1e-9, 0, 1e-3, 3, 40)
        for lane in 0..<8 {
            #expect(Double.tanh(x)[lane] == Foundation.tanh(x[lane]))
            #expect(Double.sigmoid(x)[lane] == 1 / (1 + Foundation.exp(-x[lane])))
        }
    }

    /// 54 training rows in batches of 8: 7 steps an epoch; stops inside the second epoch.
    @Test func resumeOfTheGRUClassifierIsBitIdentical() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Config.load(path: Self.tsGRU, overrides: ["solver.epochs=2"]).config
        var options = TrainOptions()
        options.threads = 2
        options.outDirectory = directory + "/whole"
        _ = try Trainer(config: config, options: options, observer: nil).run()

        let stopper = FaultToleranceTests.StopAtStep(step: 10)
        options.outDirectory = directory + "/stopped"
        options.stopRequest = { stopper.stop }
        let stopped = try Trainer(config: config, options: options, observer: stopper).run()
        #expect(stopped.interruptedBy == SIGTERM && stopped.epochsCompleted == 1 && stopped.iterationsIntoEpoch == 3)

        options.outDirectory = nil
        options.resume = directory + "/stopped/last.safetensors"
        options.stopRequest = { nil }
        let resumed = try Trainer(config: config, options: options, observer: nil).run()
        #expect(resumed.interruptedBy == nil && resumed.epochsCompleted == 2)
        #expect(try FaultToleranceTests.metricsWithoutTimes(directory + "/stopped")
                == FaultToleranceTests.metricsWithoutTimes(directory + "/whole"))
        for file in ["last.safetensors", "best.safetensors"] {
            #expect(try FaultToleranceTests.tensors(directory + "/stopped/" + file)
                    == FaultToleranceTests.tensors(directory + "/whole/" + file), "\(file)")
        }
    }
}
