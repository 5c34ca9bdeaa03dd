import Foundation
import Testing
@testable import DNN

/// The built `dnn` under faults, as a user meets them: refused commands that change
/// nothing, signals that keep the work, kill -9 that leaves a loadable checkpoint, and a
/// validation split that cannot silently mislead.
@Suite(.serialized) struct CLIFaultTests {
    /// Every file below `directory` with its bytes: equal before and after means untouched.
    static func snapshot(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
            files[name] = isDirectory.boolValue ? Data() : try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }

    /// A finished two-epoch run in `directory/run` and its config.
    static func finishedRun(_ directory: String) throws -> (config: String, run: String) {
        let config = try CLITrainTests.writeConfig(directory)
        let run = directory + "/run"
        let result = try CLI.run(["train", config, "--out", run, "--epochs", "2", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        return (config, run)
    }

    @Test func refusedCommandsLeaveTheRunDirectoryAsItWas() throws {
        let directory = TestPaths.temporaryDirectory()
        let (config, run) = try Self.finishedRun(directory)
        let truncated = directory + "/truncated.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: run + "/last.safetensors"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let other = try CLITrainTests.writeConfig(directory, layers: #"[{"type": "linear", "out": 3}]"#, name: "other.json")
        let otherRun = directory + "/other"
        #expect(try CLI.run(["train", other, "--out", otherRun, "--epochs", "1", "--quiet"]).status == 0)
        let badConfig = directory + "/bad.json"
        try #"{"data": 1}"#.write(toFile: badConfig, atomically: true, encoding: .utf8)
        let refused: [[String]] = [
            ["train", config, "--out", run, "--epochs", "5", "--resume", directory + "/missing.safetensors"],
            ["train", config, "--out", run, "--epochs", "5", "--resume", truncated],
            ["train", config, "--out", run, "--epochs", "5", "--resume", otherRun + "/last.safetensors"],
            ["train", config, "--epochs", "5", "--resume", run + "/last.safetensors", "--set", "solver.reg=-1"],
            ["train", config, "--out", run],
            ["train", badConfig, "--out", run, "--force"],
            ["eval", run + "/best.safetensors", "--data", directory + "/missing.csv"],
            ["eval", truncated],
            ["predict", run + "/best.safetensors", directory + "/missing.csv"],
            ["inspect", truncated],
            ["plot", run, directory + "/not-a-run"],
            ["gradcheck", badConfig],
        ]
        for arguments in refused {
            let before = try Self.snapshot(run)
            let result = try CLI.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"), "\(arguments)")
            #expect(try Self.snapshot(run) == before, "\(arguments) changed the run directory")
        }
        // A refused run does not leave a new, empty directory behind either.
        #expect(try CLI.run(["train", badConfig, "--out", directory + "/fresh"]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: directory + "/fresh"))
    }

    @Test func hugeSizesExitTwoNamingTheLayerAndTheBytes() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, layers: #"""
            [{"type": "conv2d", "out": 2, "kernel": 3, "padding": 1000000}, {"type": "flatten"}, {"type": "linear", "out": 3}]
            """#)
        for command in [["train", config, "--set", "model.input_shape=[1, 2, 2]", "--out", directory + "/run"],
                        ["inspect", config, "--set", "model.input_shape=[1, 2, 2]"]] {
            let result = try CLI.run(command)
            #expect(result.status == 2)
            #expect(result.stderr.contains("model.layers[0]: the output [2, 2000000, 2000000] per sample needs 29 TB"),
                    "\(result.stderr)")
        }
        let wide = try CLI.run(["train", config, "--set", #"model.layers=[{"type": "linear", "out": 1000000000}]"#,
                                "--out", directory + "/run"])
        #expect(wide.status == 2 && wide.stderr.contains("model.layers[0]: its [1000000000, 5] weights need"), "\(wide.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/run"))
        // A batch larger than the data is the whole data, as PyTorch's DataLoader gives it.
        let big = try CLI.run(["train", config, "--set", #"model.layers=[{"type": "linear", "out": 3}]"#,
                               "--set", "solver.batch_size=1099511627776", "--epochs", "1", "--out", directory + "/big",
                               "--quiet"])
        #expect(big.status == 0, "\(big.stderr)")
        let inspect = try CLI.run(["inspect", config, "--set", #"model.layers=[{"type": "linear", "out": 3}]"#])
        #expect(inspect.stdout.contains("memory: training needs about"), "\(inspect.stdout)")
    }

    /// Starts `dnn train` and returns the process once it has printed a progress line.
    static func startTraining(_ arguments: [String]) throws -> (Process, Pipe) {
        let started = try CLI.start(arguments, until: "iter ")
        return (started.process, started.stderr)
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalSavesAMidEpochStateThatResumesBitIdentically(signal: Int32, status: Int32) throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, solver: """
            {"epochs": 300, "batch_size": 4, "print_every": 1, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let whole = directory + "/whole"
        #expect(try CLI.run(["train", config, "--out", whole, "--threads", "1", "--quiet"]).status == 0)
        let run = directory + "/run"
        let (process, err) = try Self.startTraining(["train", config, "--out", run, "--threads", "1"])
        kill(process.processIdentifier, signal)
        let rest = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: rest, as: UTF8.self)
        #expect(process.terminationStatus == status, "\(stderr)")
        #expect(stderr.contains("dnn: stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(stderr)")
        let resumeLine = try #require(stderr.split(separator: "\n").first { $0.hasPrefix("dnn: continue with: ") })
        #expect(resumeLine.hasSuffix("--resume \(run)/last.safetensors"))
        let resumed = try CLI.run(["train", config, "--threads", "1", "--resume", run + "/last.safetensors", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try FaultToleranceTests.metricsWithoutTimes(run) == FaultToleranceTests.metricsWithoutTimes(whole))
        #expect(try FaultToleranceTests.tensors(run + "/last.safetensors")
                == FaultToleranceTests.tensors(whole + "/last.safetensors"))
    }

    @Test func killNineLeavesALoadableCheckpoint() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, solver: """
            {"epochs": 100000, "batch_size": 4, "print_every": 1, "checkpoint_every": 1,
             "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let run = directory + "/run"
        for delay in [0.05, 0.2, 0.35] {
            let (process, _) = try Self.startTraining(["train", config, "--out", run, "--force"])
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let checkpoint = try Checkpoint.read(path: run + "/last.safetensors")
            _ = try checkpoint.network(path: run + "/last.safetensors")
            #expect(try CLI.run(["eval", run + "/last.safetensors", "--json"]).status == 0)
        }
    }

    @Test func aClassSortedFileSplitsEveryClassAndEvalScoresThoseRows() throws {
        let directory = TestPaths.temporaryDirectory()
        // The iris rows sorted by class, as many tabular datasets ship.
        let lines = try String(contentsOfFile: CLITrainTests.iris, encoding: .utf8).split(separator: "\n")
        let sorted = [String(lines[0])] + lines.dropFirst().map(String.init).sorted { $0.split(separator: ",").last! < $1.split(separator: ",").last! }
        let data = directory + "/sorted.csv"
        try (sorted.joined(separator: "\n") + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let config = directory + "/sorted.json"
        func write(shuffle: Bool?) throws {
            let split = shuffle.map { #"{"split": 0.2, "shuffle": \#($0)}"# } ?? #"{"split": 0.2}"#
            try #"""
            {"seed": 4, "data": {"train": {"format": "csv", "path": "sorted.csv", "label": "species"},
                      "validation": \#(split), "normalize": "standardize"},
             "model": {"layers": [{"type": "linear", "out": 8}, {"type": "relu"}, {"type": "linear", "out": 3}]},
             "solver": {"epochs": 3, "batch_size": 16, "optimizer": {"type": "adam", "lr": 0.05}}}
            """#.write(toFile: config, atomically: true, encoding: .utf8)
        }
        try write(shuffle: nil)
        let table = try CSVReader.read(path: data, labelColumn: "species")
        let split = try table.split(fraction: 0.2, shuffle: true, seed: 4)
        #expect(split.validation.rows == 30 && split.warnings.isEmpty)
        for species in ["setosa", "versicolor", "virginica"] {
            #expect(split.validation.labels?.filter { $0 == species }.count == 10)
        }
        #expect(try table.split(fraction: 0.2, shuffle: true, seed: 4).validation == split.validation)
        #expect(try table.split(fraction: 0.2, shuffle: true, seed: 5).validation != split.validation)
        let run = directory + "/run"
        let trained = try CLI.run(["train", config, "--out", run])
        #expect(trained.status == 0 && !trained.stderr.contains("warning"), "\(trained.stderr)")
        let best = try CLITrainTests.metrics(run).max { ($0["val_accuracy"]?.double ?? 0) < ($1["val_accuracy"]?.double ?? 0) }
        let eval = try JSON.parse(try CLI.run(["eval", run + "/best.safetensors", "--json"]).stdout, file: "eval")
        #expect(eval["samples"]?.int == 30)
        #expect(eval["per_class_accuracy"]?.object?.count == 3)
        #expect(abs((eval["loss"]?.double ?? 0) - (best?["val_loss"]?.double ?? 1)) < 1e-6)

        try write(shuffle: false)
        let ordered = try CLI.run(["train", config, "--out", directory + "/ordered"])
        #expect(ordered.status == 0)
        // The last 30 rows are all virginica: the two other classes are never validated.
        #expect(ordered.stderr.contains("class 'setosa' has no validation rows"), "\(ordered.stderr)")
        #expect(ordered.stderr.contains("class 'versicolor' has no validation rows"), "\(ordered.stderr)")
    }
}
