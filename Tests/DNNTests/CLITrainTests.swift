import Foundation
import Testing
@testable import DNN

/// `dnn train`, `dnn eval` and `dnn gradcheck` run as a user runs them: the built binary,
/// its exit codes, its messages and the files it leaves.
@Suite(.serialized) struct CLITrainTests {
    static let iris = TestPaths.packageRoot + "/data/iris.csv"

    /// A config on the shipped iris data, written into `directory`.
    static func writeConfig(_ directory: String, layers: String? = nil, solver: String? = nil,
                            name: String = "config.json") throws -> String {
        let text = """
        {
          "name": "iris-test", "seed": 3,
          "data": {"train": {"format": "csv", "path": "\(iris)", "label": "species"},
                   "validation": {"split": 0.2}, "normalize": "standardize"},
          "model": {"layers": \(layers ?? """
            [{"type": "linear", "out": 16}, {"type": "batchnorm"}, {"type": "relu"},
             {"type": "dropout", "p": 0.3}, {"type": "linear", "out": 3}]
            """)},
          "solver": \(solver ?? """
            {"epochs": 4, "batch_size": 16, "print_every": 2, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        }
        """
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func metrics(_ run: String) throws -> [JSON] {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSON.parse(String($0), file: "metrics.jsonl") }
    }

    @Test func versionAndHelp() throws {
        #expect(try CLI.run(["--version"]).stdout.hasPrefix("dnn "))
        for command in ["train", "eval", "gradcheck"] {
            let help = try CLI.run(["help", command])
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: dnn \(command)"))
            #expect(try CLI.run([command, "--help"]).stdout == help.stdout)
        }
        let overview = try CLI.run(["--help"])
        #expect(overview.status == 0 && overview.stdout.contains("dnn train CONFIG.json"))
        let unknown = try CLI.run(["trian"])
        #expect(unknown.status == 2 && unknown.stderr.contains("did you mean 'train'"))
    }

    @Test func benchPrintsOneJSONObject() throws {
        let result = try CLI.run(["bench", "--json", "--seconds", "0.01", "--only", "gemm,infer", "--models", "mnist_mlp",
                                  "--configs", TestPaths.packageRoot + "/configs"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSON.parse(result.stdout, file: "stdout")["results"]?.array ?? []
        #expect(rows.count == Benchmark.gemmCases.count + 4)
        #expect(rows.allSatisfy { ($0["value"]?.double ?? 0) > 0 })
    }

    @Test func trainWritesRunDirectoryAndRefusesToReuseIt() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory)
        let run = directory + "/run"
        let result = try CLI.run(["train", config, "--out", run, "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["config.json", "metrics.jsonl", "last.safetensors", "last.state.safetensors", "best.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: run + "/" + file), "\(file) missing")
        }
        let rows = try Self.metrics(run)
        #expect(rows.map { $0["epoch"]?.int } == [1, 2, 3, 4])
        for row in rows {
            for key in ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"] {
                #expect(row[key]?.double != nil, "metrics row lacks \(key)")
            }
            #expect((0...1).contains(row["val_accuracy"]!.double!))
        }
        #expect(result.stderr.contains("epoch 1 iter 2/8"), "a line per print_every iterations")
        #expect(result.stderr.contains("epoch 4/4"))
        // The resolved config holds every default and absolute paths.
        let resolved = try JSON.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), file: "config.json")
        #expect(resolved["solver"]?["optimizer"]?["beta2"]?.double == 0.999)
        #expect(resolved["model"]?["input_shape"] == [4])

        // The same --out again: refused, and the checkpoints stay byte for byte.
        let before = try Data(contentsOf: URL(fileURLWithPath: run + "/last.safetensors"))
        let again = try CLI.run(["train", config, "--out", run])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already holds checkpoints") && again.stderr.contains("--resume"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: run + "/last.safetensors")) == before)
        // --force replaces them.
        #expect(try CLI.run(["train", config, "--out", run, "--force", "--quiet"]).status == 0)
    }

    @Test func resumeIsBitIdenticalToAnUninterruptedRun() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory, solver: """
            {"epochs": 4, "batch_size": 16, "lr_decay": 0.9, "print_every": 0,
             "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": true}}
            """)
        let whole = directory + "/whole", split = directory + "/split"
        #expect(try CLI.run(["train", config, "--out", whole, "--threads", "2", "--quiet"]).status == 0)
        #expect(try CLI.run(["train", config, "--out", split, "--epochs", "2", "--threads", "2", "--quiet"]).status == 0)
        let resumed = try CLI.run(["train", config, "--resume", split + "/last.safetensors", "--epochs", "4",
                                   "--threads", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        func withoutTimes(_ rows: [JSON]) -> [String] {
            rows.map { row in
                JSON.object((row.object ?? []).filter { $0.key != "seconds" && $0.key != "samples_per_second" })
                    .serialized(pretty: false)
            }
        }
        #expect(withoutTimes(try Self.metrics(whole)) == withoutTimes(try Self.metrics(split)))
        let a = try SafeTensors.read(path: whole + "/last.safetensors")
        let b = try SafeTensors.read(path: split + "/last.safetensors")
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for (name, tensor) in a.tensors { #expect(b[name] == tensor, "\(name) differs after resume") }
        // Resuming a finished run is refused with advice.
        let finished = try CLI.run(["train", config, "--resume", whole + "/last.safetensors"])
        #expect(finished.status == 2 && finished.stderr.contains("--epochs"))
    }

    @Test func evalReportsTheValidationSplitAsJSON() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory, layers: """
            [{"type": "linear", "out": 16}, {"type": "relu"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 40, "batch_size": 16, "print_every": 0, "optimizer": {"type": "adam", "lr": 0.02}}
            """)
        #expect(try CLI.run(["train", config, "--out", directory + "/run", "--quiet"]).status == 0)
        let result = try CLI.run(["eval", directory + "/run/best.safetensors", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSON.parse(result.stdout, file: "stdout")
        #expect(json["samples"]?.int == 30)
        #expect((json["accuracy"]?.double ?? 0) >= 0.9)
        #expect(json["loss"]?.double != nil)
        #expect(json["classes"] == ["setosa", "versicolor", "virginica"])
        // The best checkpoint's metrics say the same accuracy as eval computes.
        let checkpoint = try Checkpoint.read(path: directory + "/run/best.safetensors")
        #expect(checkpoint.metrics?["val_accuracy"]?.double == json["accuracy"]?.double)
        // Human output: the confusion matrix.
        let text = try CLI.run(["eval", directory + "/run/best.safetensors", "--data", Self.iris])
        #expect(text.status == 0 && text.stdout.contains("virginica") && text.stdout.contains("accuracy"))
    }

    @Test func initFromReplacesTheInitialWeights() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory)
        #expect(try CLI.run(["train", config, "--out", directory + "/a", "--quiet"]).status == 0)
        // Learning rate 0: the weights stay those loaded from init_from.
        let frozen = try Self.writeConfig(directory, solver: """
            {"epochs": 1, "batch_size": 16, "init_from": "a/best.safetensors", "optimizer": {"type": "sgd", "lr": 0}}
            """, name: "frozen.json")
        let result = try CLI.run(["train", frozen, "--out", directory + "/b", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let a = try SafeTensors.read(path: directory + "/a/best.safetensors")
        let b = try SafeTensors.read(path: directory + "/b/last.safetensors")
        for name in ["0.weight", "0.bias", "1.weight", "4.weight", "4.bias"] {
            #expect(a[name] != nil && a[name] == b[name], "\(name)")
        }
    }

    @Test func aLastBatchOfOneThroughBatchnormIsAConfigError() throws {
        let directory = TestPaths.temporaryDirectory()
        // 120 training rows in batches of 7: the last batch holds one row.
        let config = try Self.writeConfig(directory, solver: """
            {"epochs": 1, "batch_size": 7, "optimizer": {"type": "sgd", "lr": 0.1}}
            """)
        let result = try CLI.run(["train", config, "--out", directory + "/run"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("solver.drop_last") && result.stderr.contains("one sample"))
        #expect(try CLI.run(["train", config, "--out", directory + "/run", "--quiet", "--set", "solver.drop_last=true"]).status == 0)
    }

    /// `data.test` is checked before the first step (training never scores it, `dnn eval`
    /// does): a label the training data lacks fails at once, naming the file and line.
    @Test func aTestFileIsCheckedBeforeTheFirstStep() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory)
        let rows = try String(contentsOfFile: Self.iris, encoding: .utf8).split(separator: "\n").prefix(31)
        let good = directory + "/test.csv", bad = directory + "/bad.csv"
        try (rows.joined(separator: "\n") + "\n").write(toFile: good, atomically: true, encoding: .utf8)
        try (rows.prefix(3).joined(separator: "\n") + "\n5.0,3.0,1.0,0.2,rosa\n").write(toFile: bad, atomically: true, encoding: .utf8)
        func test(_ path: String) -> [String] {
            ["--set", #"data.test={"format": "csv", "path": "\#(path)", "label": "species"}"#]
        }
        let refused = try CLI.run(["train", config, "--out", directory + "/refused"] + test(bad))
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("bad.csv:4:") && refused.stderr.contains("unknown class 'rosa'"),
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/refused"))

        let trained = try CLI.run(["train", config, "--out", directory + "/run", "--quiet"] + test(good))
        #expect(trained.status == 0, "\(trained.stderr)")
        let scored = try JSON.parse(try CLI.run(["eval", directory + "/run/best.safetensors", "--json"]).stdout, file: "stdout")
        #expect(scored["samples"]?.double == 30, "eval scores the 30 rows of data.test")
    }

    @Test func lossThatBecomesNaNStopsWithExitOneAndKeepsEarlierCheckpoints() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.writeConfig(directory, layers: """
            [{"type": "linear", "out": 16}, {"type": "relu"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 5, "batch_size": 16, "lr_decay": 1e30, "print_every": 0,
             "optimizer": {"type": "sgd", "lr": 0.01}}
            """)
        let result = try CLI.run(["train", config, "--out", directory + "/run"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("at epoch 2, iteration"), "\(result.stderr)")
        let checkpoint = try Checkpoint.read(path: directory + "/run/last.safetensors")
        #expect(checkpoint.epoch == 1)
    }
}
