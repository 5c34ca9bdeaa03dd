import Foundation
import Testing
@testable import DNN

/// Byte-level language models: the text source's windows, a small GPT's training steps
/// against PyTorch (fixture: language_model_training.json, written by
/// tools/make_fixtures.py), and `dnn train`, `dnn eval` and `dnn sample` on a text.
@Suite struct LanguageModelTests {
    static let fixture = ((try? Fixtures.cases("language_model_training.json")) ?? []).first

    /// The fixture's AdamW steps in order; returns every step's loss and the final state.
    static func replay<T: Scalar>(as type: T.Type) throws -> GoldenRunTests.Run<T> {
        let fixture = try #require(Self.fixture)
        let network = try GoldenRunTests.initialNetwork(fixture, as: T.self)
        let solver = fixture["solver"]!
        let optimizer: any Optimizer<T> = try ConfigDecoder(baseDirectory: "/")
            .optimizer(solver["optimizer"]!, at: "solver.optimizer").0.makeOptimizer(for: network.parameters)
        network.skipInputGradient()
        let step = TrainingStep(network: network, optimizer: optimizer, reg: 0)
        let features = Fixtures.tensor(fixture["features"])
        let labels = (fixture["labels"]?.array ?? []).compactMap(\.int).map(Int32.init)
        let (count, context) = (features.shape[0], features.shape[1])
        let batchSize = solver["batch_size"]!.int!
        let compute = Context(compute: Compute(threads: 2))
        var run = GoldenRunTests.Run<T>()
        for _ in 0..<(solver["epochs"]?.int ?? 1) {
            for start in stride(from: 0, to: count, by: batchSize) {
                let end = min(start + batchSize, count)
                let input = Tensor<T>(shape: [end - start, context],
                                      values: features.data[(start * context)..<(end * context)].map { T($0) })
                let targets = Array(labels[(start * context)..<(end * context)])
                let result = targets.withUnsafeBufferPointer { step.run(input, labels: $0.baseAddress!, context: compute) }
                run.losses.append(result.loss)
            }
        }
        run.state = GoldenRunTests.state(of: network)
        return run
    }

    @Test func smallGPTTrainsAsPyTorchInDouble() throws {
        try GoldenRunTests.compare(try Self.replay(as: Double.self), try #require(Self.fixture), tolerance: 1e-9)
    }

    /// The key's third of `in_proj_bias` adds q·b_k to every score of a row, which the
    /// softmax ignores: its gradient is exactly 0, in Float a rounding residue (~1e-9)
    /// that Adam divides by its own root mean square, so Float steps it by ±lr at random
    /// (PyTorch's Float run does the same with other residues). Those 8 entries are checked
    /// to move only by weight decay in Double and are left out in Float; everything else agrees to 2e-4.
    @Test func smallGPTTrainsAsPyTorchInFloat() throws {
        let fixture = try #require(Self.fixture)
        let name = "2.body.1.in_proj_bias", keys = 8..<16
        let initial = Fixtures.tensor(fixture["initial_state"]?[name]).data
        let double = try Self.replay(as: Double.self)
        // In Double only AdamW's decay moves them: 6 steps of × (1 - lr · weight_decay).
        let decayed = initial[keys].map { $0 * pow(1 - 0.01 * 0.01, 6) }
        #expect(maxRelativeDifference(Array(double.state[name]![keys]), decayed) < 1e-9)
        var run = try Self.replay(as: Float.self)
        let expected = Fixtures.tensor(fixture["final_state"]?[name]).data
        run.state[name]!.replaceSubrange(keys, with: expected[keys])
        try GoldenRunTests.compare(run, fixture, tolerance: 2e-4)
    }

    @Test func textWindowsHoldTheNextByteAtEveryPosition() throws {
        let directory = TestPaths.temporaryDirectory()
        let path = directory + "/text.txt"
        try Data("abcdefghij".utf8).write(to: URL(fileURLWithPath: path))
        // 10 bytes, context 3, stride 3: windows at 0, 3, 6 (6 + 4 = 10 bytes fit).
        let whole = try TextWindows.read(path: path, context: 3, stride: 3).train
        #expect(whole.rows == 3 && whole.sampleShape == [3])
        #expect(whole.features == "abcdefghi".utf8.map { Float($0) })
        #expect(whole.positionLabels == "bcdefghij".utf8.map { Int32($0) })
        // Stride 2 overlaps: windows at 0, 2, 4, 6.
        let overlapping = try TextWindows.read(path: path, context: 3, stride: 2).train
        #expect(overlapping.rows == 4 && overlapping.features[3] == Float(Character("c").asciiValue!))
        // The last 40% (4 bytes, "ghij") validates; the first 6 train, windowed apart.
        let (train, validation) = try TextWindows.read(path: path, context: 3, stride: 3, validation: 0.4)
        #expect(train.rows == 1 && train.features == "abc".utf8.map { Float($0) })
        #expect(validation?.features == "ghi".utf8.map { Float($0) } && validation?.positionLabels == "hij".utf8.map { Int32($0) })
        #expect(throws: DNNError.self) { try TextWindows.read(path: path, context: 10, stride: 1) }
    }

    /// Writes a tiny GPT config on a repetitive text; returns its path.
    static func writeConfig(_ directory: String, vocab: Int = 256, epochs: Int = 2, dropout: Double = 0) throws -> String {
        let text = String(repeating: "the cat sat on the mat. ", count: 60)
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/text.txt"))
        let config = """
            {"seed": 1, "data": {"train": {"format": "text", "path": "text.txt", "context": 16},
                                 "validation": {"split": 0.2}},
             "model": {"layers": [{"type": "embedding", "vocab": \(vocab), "dim": 16},
                                  {"type": "positional_embedding", "max_len": 16},
                                  {"type": "residual", "body": [{"type": "layernorm"},
                                                               {"type": "attention", "heads": 2, "causal": true,
                                                                "dropout": \(dropout)}]},
                                  {"type": "layernorm"}, {"type": "linear", "out": 256}]},
             "solver": {"epochs": \(epochs), "batch_size": 8, "print_every": 0,
                        "optimizer": {"type": "adam", "lr": 0.01}}}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/gpt.json"))
        return directory + "/gpt.json"
    }

    @Test func trainEvalAndSampleATextModel() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory, epochs: 4)
        let run = directory + "/run"
        let trained = try CLI.run(["train", config, "--out", run, "--threads", "2", "--quiet"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let rows = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSON.parse(String($0), file: "metrics.jsonl") }
        let last = try #require(rows.last)
        let loss = try #require(last["val_loss"]?.double)
        let bits = try #require(last["val_bits_per_byte"]?.double)
        #expect(abs(bits - loss / log(2.0)) < 1e-12 && (last["train_bits_per_byte"]?.double ?? 0) > 0)
        // A text this repetitive is learnt: far below the 8 bits of a uniform guess.
        #expect(bits < 3, "val bits per byte \(bits)")
        let evaluated = try CLI.run(["eval", run + "/last.safetensors", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let eval = try JSON.parse(evaluated.stdout, file: "stdout")
        #expect(abs((eval["loss"]?.double ?? 0) - loss) < 1e-5 && eval["bits_per_byte"]?.double != nil)

        let arguments = ["sample", run + "/last.safetensors", "--prompt", "the ", "--tokens", "40", "--seed", "3"]
        let first = try CLI.run(arguments), second = try CLI.run(arguments)
        #expect(first.status == 0 && first.stdout == second.stdout, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("the ") && first.stdout != "the \n")
        #expect(try CLI.run(["sample", run + "/last.safetensors", "--prompt", "the ", "--tokens", "0"]).stdout == "the \n")
        // Top-1 is greedy: the generator is never consulted, so every seed prints the same.
        let greedy = ["sample", run + "/last.safetensors", "--prompt", "the cat", "--tokens", "9", "--top-k", "1"]
        let (seed1, seed2) = (try CLI.run(greedy + ["--seed", "1"]), try CLI.run(greedy + ["--seed", "2"]))
        #expect(seed1.status == 0 && seed1.stdout == seed2.stdout && seed1.stdout.hasPrefix("the cat"))
    }

    /// With dropout on the attention weights, so the generator's state is resumed too.
    @Test func resumeIsBitIdenticalToAnUninterruptedRun() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory, epochs: 3, dropout: 0.1)
        let whole = directory + "/whole", split = directory + "/split"
        #expect(try CLI.run(["train", config, "--out", whole, "--threads", "2", "--quiet"]).status == 0)
        #expect(try CLI.run(["train", config, "--out", split, "--epochs", "1", "--threads", "2", "--quiet"]).status == 0)
        let resumed = try CLI.run(["train", config, "--resume", split + "/last.safetensors", "--epochs", "3",
                                   "--threads", "2", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        func withoutTimes(_ run: String) throws -> [String] {
            try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { line in
                let row = try JSON.parse(String(line), file: "metrics.jsonl")
                return JSON.object((row.object ?? []).filter { $0.key != "seconds" && $0.key != "samples_per_second" })
                    .serialized(pretty: false)
            }
        }
        #expect(try withoutTimes(whole) == withoutTimes(split))
        let a = try SafeTensors.read(path: whole + "/last.safetensors")
        let b = try SafeTensors.read(path: split + "/last.safetensors")
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name) && a.tensors.count == 12)
        for (name, tensor) in a.tensors { #expect(b[name] == tensor, "\(name) differs after resume") }
    }

    @Test func badSampleFlagsAndCheckpointsExit2() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory, epochs: 1)
        let run = directory + "/run"
        #expect(try CLI.run(["train", config, "--out", run, "--quiet"]).status == 0)
        let checkpoint = run + "/last.safetensors"
        for flags in [["--temperature", "0"], ["--temperature", "x"], ["--top-k", "0"], ["--top-k", "257"],
                      ["--tokens", "-1"], ["--seed", "-3"], ["--unknown"]] {
            let output = try CLI.run(["sample", checkpoint] + flags)
            #expect(output.status == 2 && output.stderr.contains("dnn: error"), "\(flags): \(output.stderr)")
        }
        #expect(try CLI.run(["sample", directory + "/missing.safetensors"]).status == 2)
    }

    @Test func anIdBeyondTheVocabularyIsADataError() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory, vocab: 100, epochs: 1)
        let output = try CLI.run(["train", config, "--out", directory + "/run", "--quiet"])
        // 't' is byte 116, beyond a vocabulary of 100.
        #expect(output.status == 2 && output.stderr.contains("is not a token id in [0, 100)"), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/run/last.safetensors"))
    }
}

extension LanguageModelTests {
    /// A text's bytes are embedding ids read whole by every rank: `normalize` and `shard` are
    /// config errors that name the key, not silently ignored.
    @Test func normalizeAndShardOfATextAreConfigErrors() throws {
        let data = #"{"train": {"format": "text", "path": "t.txt", "context": 8}"#
        let layers = #"[{"type": "embedding", "vocab": 256, "dim": 4}, {"type": "linear", "out": 256}]"#
        for (extra, path) in [(#", "normalize": "standardize""#, "data.normalize"), (#", "shard": true"#, "data.shard")] {
            let error = ConfigFixtures.error(ConfigFixtures.config(layers: layers, data: data + extra + "}"))
            #expect(error?.location == path, "\(String(describing: error))")
        }
    }
}
