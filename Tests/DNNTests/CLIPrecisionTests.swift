import Foundation
import Testing
@testable import DNN

/// `precision: "bf16"` and `--precision` as a user meets them: the resolved config, the
/// float32 fallback said once, bf16 eval of a checkpoint (float32 on disk), and errors.
@Suite(.serialized) struct CLIPrecisionTests {
    @Test func trainsInBF16AndKeepsFloat32Checkpoints() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let run = directory + "/run"
        let result = try CLI.run(["train", config, "--out", run, "--precision", "bf16", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let resolved = try JSON.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), file: "config.json")
        #expect(resolved["solver"]?["precision"]?.stringValue == "bf16")
        let checkpoint = try Checkpoint.read(path: run + "/best.safetensors")
        #expect(checkpoint.config.solver.precision == .bf16)
        let tensors = try SafeTensors.read(path: run + "/best.safetensors")
        #expect(Set(tensors.tensors.map(\.tensor.dtype)).isSubset(of: ["F32", "I64"]))
        // eval in either precision; bf16 is what validation measured during training.
        let fp32 = try CLI.run(["eval", run + "/best.safetensors", "--json"])
        let bf16 = try CLI.run(["eval", run + "/best.safetensors", "--json", "--precision", "bf16"])
        #expect(fp32.status == 0 && bf16.status == 0, "\(fp32.stderr) \(bf16.stderr)")
        let a = try JSON.parse(fp32.stdout, file: "fp32"), b = try JSON.parse(bf16.stdout, file: "bf16")
        let fp32Loss = a["loss"]?.double ?? .nan, bf16Loss = b["loss"]?.double ?? .nan
        #expect(abs(fp32Loss - bf16Loss) < 0.02 * fp32Loss, "fp32 \(fp32Loss) bf16 \(bf16Loss)")
        if Precision.bfloat16Supported { #expect(fp32Loss != bf16Loss, "bf16 eval really rounds") }
    }

    @Test func fallsBackToFloat32AndSaysSoOnce() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let environment = ["DNN_DISABLE_BF16": "1"]
        let bf16 = try CLI.run(["train", config, "--out", directory + "/bf16", "--set", "solver.precision=\"bf16\"",
                                "--threads", "1"], environment: environment)
        #expect(bf16.status == 0, "\(bf16.stderr)")
        #expect(bf16.stderr.components(separatedBy: "DNN_DISABLE_BF16 is set; precision bf16 runs in fp32").count == 2,
                "\(bf16.stderr)")
        let fp32 = try CLI.run(["train", config, "--out", directory + "/fp32", "--threads", "1"], environment: environment)
        #expect(!fp32.stderr.contains("bfloat16"))
        // The fallback is float32 exactly: the same metrics, bit for bit.
        let rows = { (run: String) in try String(contentsOfFile: directory + run + "/metrics.jsonl", encoding: .utf8)
            .split(separator: "\n").map { try JSON.parse(String($0), file: "metrics")["val_loss"]?.double } }
        #expect(try rows("/bf16") == rows("/fp32"))
        let eval = try CLI.run(["eval", directory + "/bf16/best.safetensors", "--precision", "bf16"], environment: environment)
        #expect(eval.status == 0 && eval.stderr.contains("runs in fp32"))
    }

    @Test func autoSaysWhatItChoseAndAResumeKeepsIt() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let run = directory + "/run"
        let first = try CLI.run(["train", config, "--out", run, "--precision", "auto", "--threads", "1", "--epochs", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let line = try #require(first.stderr.split(separator: "\n").first { $0.hasPrefix("dnn: precision auto: ") })
        if Precision.bfloat16Supported {
            #expect(line.contains("x as long in bf16: ") && line.contains(" ms in fp32)"), "\(line)")
        } else {
            #expect(line.hasPrefix("dnn: precision auto: fp32 ("), "\(line)")
        }
        let chosen: Precision = line.hasPrefix("dnn: precision auto: bf16") ? .bf16 : .fp32
        let state = try TrainingState.read(path: TrainingState.path(besides: run + "/last.safetensors"))
        #expect(state.progress.productPrecision == chosen)
        let resumed = try CLI.run(["train", config, "--resume", run + "/last.safetensors", "--epochs", "2",
                                   "--precision", "auto", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("dnn: precision auto: \(chosen.rawValue) (as the run chose at its start)"),
                "\(resumed.stderr)")
        let disabled = try CLI.run(["train", config, "--out", directory + "/disabled", "--precision", "auto"],
                                   environment: ["DNN_DISABLE_BF16": "1"])
        #expect(disabled.stderr.contains("dnn: precision auto: fp32 (DNN_DISABLE_BF16 is set)"), "\(disabled.stderr)")
    }

    @Test func rejectsUnknownPrecisions() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let flag = try CLI.run(["train", config, "--out", directory + "/run", "--precision", "fp16"])
        #expect(flag.status == 2 && flag.stderr.contains("--precision") && flag.stderr.contains("fp16"))
        let key = try CLI.run(["train", config, "--out", directory + "/run", "--set", "solver.precision=\"half\""])
        #expect(key.status == 2 && key.stderr.contains("solver.precision"), "\(key.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/run"))
        let bench = try CLI.run(["bench", "--precision", "bf17", "--only", "gemm"])
        #expect(bench.status == 2 && bench.stderr.contains("both"))
    }

    /// `dnn bench --precision both`: each fp32 row, its bf16 row, then one line with bf16's
    /// rate over fp32's; `--json` gives the same ratios under "ratios".
    @Test func benchBothPrintsTheRatioOfEachPair() throws {
        let arguments = ["bench", "--precision", "both", "--seconds", "0.01", "--only", "train,infer",
                         "--models", "mnist_mlp", "--configs", TestPaths.packageRoot + "/configs", "--threads", "1"]
        let text = try CLI.run(arguments)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let pairs = lines.indices.filter { lines[$0].contains(" bf16/fp32 ") }
        #expect(pairs.count == 5, "a train pair and 4 inference batches:\n\(text.stdout)")
        #expect(pairs.contains { lines[$0].hasPrefix("train   mnist_mlp batch ") })
        for index in pairs where index >= 2 {
            let name = String(lines[index][..<lines[index].range(of: " bf16/fp32 ")!.lowerBound])
            #expect(lines[index - 2].hasPrefix(name + " "), "\(lines[index - 2])")
            #expect(lines[index - 1].hasPrefix(name + " bf16 "), "\(lines[index - 1])")
            let fp32 = try #require(Self.figure(lines[index - 2])), bf16 = try #require(Self.figure(lines[index - 1]))
            let ratio = try #require(Double(lines[index].split(separator: " ").last?.dropLast() ?? ""))
            // The rows are printed to 0.1 and the ratio to 0.01: the ratio of any rates that
            // print as these rows, rounded.
            let low = (bf16 - 0.05) / (fp32 + 0.05) - 0.005, high = (bf16 + 0.05) / (fp32 - 0.05) + 0.005
            #expect(low <= ratio && ratio <= high, "\(lines[index - 2]) / \(lines[index - 1]) -> \(lines[index])")
        }
        let json = try CLI.run(arguments + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let parsed = try JSON.parse(json.stdout, file: "stdout")
        let rows = parsed["results"]?.array ?? [], ratios = parsed["ratios"]?.array ?? []
        #expect(rows.count == 10 && ratios.count == 5)
        for ratio in ratios {
            let pair = rows.filter { $0["kind"] == ratio["kind"] && $0["name"] == ratio["name"] }
            let fp32 = pair.first { $0["precision"]?.stringValue == "fp32" }?["value"]?.double
            let bf16 = pair.first { $0["precision"]?.stringValue == "bf16" }?["value"]?.double
            let value = try #require(ratio["bf16_over_fp32"]?.double)
            #expect(abs(value - (bf16 ?? .nan) / (fp32 ?? .nan)) <= 1e-12 * value, "\(ratio)")
        }
    }

    /// The rate of a `dnn bench` row: the number before its unit.
    static func figure(_ line: String) -> Double? {
        let words = line.split(separator: " ")
        return words.count >= 2 ? Double(words[words.count - 2]) : nil
    }
}
