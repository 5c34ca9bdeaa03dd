import Foundation
import Testing
@testable import DNN

/// `mpirun -np 2 dnn train` for real, over loopback, when Open MPI's `mpirun` is installed
/// (`.ci/run` installs it); skipped with a message otherwise.
@Suite(.serialized, .enabled(if: MPILauncher.path != nil, "no mpirun: the MPI tests are skipped (apt-get install openmpi-bin libopenmpi-dev)"))
struct MPITests {
    static var mpirun: String? { MPILauncher.path }

    /// What Open MPI wants to be told before it runs as root (as CI does).
    static let rootEnvironment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]

    /// Runs `mpirun -np ranks dnn arguments...`.
    @discardableResult
    static func run(ranks: Int, _ arguments: [String], extra: [String] = []) throws -> CLI.Output {
        try CLI.run(["-np", String(ranks), "--oversubscribe"] + extra + [CLI.executable] + arguments,
                    executable: mpirun!, environment: rootEnvironment)
    }

    /// Starts a 2-rank iris run of `epochs` epochs (batches of 8, a progress line every
    /// step) into `directory/run` and returns once its stderr shows `marker`.
    static func startTwoRanks(in directory: String, epochs: Int, until marker: String) throws
        -> (process: Process, stderr: Pipe, printed: Data, config: String, run: String) {
        let config = try CLITrainTests.writeConfig(directory, solver: """
            {"epochs": \(epochs), "batch_size": 8, "print_every": 1, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let run = directory + "/run"
        let (process, err, printed) = try CLI.start(
            ["-np", "2", "--oversubscribe", CLI.executable, "train", config, "--out", run, "--threads", "1"],
            executable: mpirun!, environment: rootEnvironment, until: marker)
        return (process, err, printed, config, run)
    }

    /// Metrics rows as numbers by key, without the timings.
    static func numbers(_ run: String) throws -> [[String: Double]] {
        try CLITrainTests.metrics(run).map { row in
            Dictionary(uniqueKeysWithValues: (row.object ?? []).compactMap { member in
                ["seconds", "samples_per_second", "allreduce_seconds", "ranks"].contains(member.key)
                    ? nil : member.value.double.map { (member.key, $0) }
            })
        }
    }

    /// Every way of summing: through shared memory (the default on one machine), and
    /// `MPI_Allreduce` (`DNN_MPI_SHARED=0`, the path across machines) after backward or
    /// overlapped with it, chosen by DNN_MPI_OVERLAP.
    @Test(arguments: [["DNN_MPI_SHARED=0", "DNN_MPI_OVERLAP=0"], ["DNN_MPI_SHARED=0", "DNN_MPI_OVERLAP=1"],
                      ["DNN_MPI_SHARED=1"]])
    func twoRanksReproduceOneProcess(variables: [String]) throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "linear", "out": 16}, {"type": "tanh"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 6, "batch_size": 15, "reg": 0.001, "print_every": 0, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        try Self.expectRanksMatchOneProcess(config, in: directory, options: ["--threads", "1", "--quiet"],
                                            extra: variables.flatMap { ["-x", $0] }, epochs: 6)
        let rows = try CLITrainTests.metrics(directory + "/ranks")
        #expect(rows.allSatisfy { $0["ranks"]?.int == 2 && ($0["allreduce_seconds"]?.double ?? -1) >= 0 })
    }

    /// Ranks on one machine sum through shared memory and each steps its chunk of the
    /// optimizer (`ShardedOptimizer`); the bits are the allreduce path's: the metrics
    /// (timings aside), the weights and the optimizer state of the last checkpoint, with
    /// Adam and with SGD's momentum, clipping and the reg term.
    @Test(arguments: [#"{"type": "adam", "lr": 0.01}"#, #"{"type": "sgd", "lr": 0.05, "momentum": 0.9}"#,
                      #"{"type": "rmsprop", "lr": 0.005, "momentum": 0.5}"#])
    func sharedMemoryGivesTheBitsOfAllreduce(optimizer: String) throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "linear", "out": 37}, {"type": "tanh"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 5, "batch_size": 15, "reg": 0.001, "clip_grad_norm": 0.5, "print_every": 0,
             "optimizer": \(optimizer)}
            """)
        for (name, shared) in [("shared", "1"), ("allreduce", "0")] {
            let result = try Self.run(ranks: 2, ["train", config, "--out", directory + "/" + name, "--threads", "1", "--quiet"],
                                      extra: ["-x", "DNN_MPI_SHARED=" + shared])
            #expect(result.status == 0, "\(result.stderr)")
        }
        try Self.expectIdenticalRuns(directory + "/shared", directory + "/allreduce")
    }

    /// Without Open MPI's shared-memory window component (`--mca osc ^sm`), the window cannot
    /// be made: rank 0 says so in one line and the ranks sum with `MPI_Allreduce`, to the same bits.
    @Test func ranksWithoutASharedWindowFallBackToAllreduce() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "linear", "out": 16}, {"type": "tanh"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 3, "batch_size": 15, "print_every": 0, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let shared = try Self.run(ranks: 2, ["train", config, "--out", directory + "/shared", "--threads", "1", "--quiet"])
        #expect(shared.status == 0 && shared.stderr.isEmpty, "\(shared.stderr)")
        let fallback = try Self.run(ranks: 2, ["train", config, "--out", directory + "/fallback", "--threads", "1", "--quiet"],
                                    extra: ["--mca", "osc", "^sm"])
        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(fallback.stderr == "dnn: note: no shared memory between the ranks; gradients are summed with MPI_Allreduce\n")
        try Self.expectIdenticalRuns(directory + "/shared", directory + "/fallback")
    }

    /// Two runs agree bit for bit: metrics without timings, the last checkpoint's tensors
    /// and its training state's (optimizer) tensors, compared as bytes.
    static func expectIdenticalRuns(_ first: String, _ second: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try numbers(first) == numbers(second), sourceLocation: sourceLocation)
        for file in ["/last.safetensors", "/last.state.safetensors"] {
            let a = try SafeTensors.read(path: first + file).tensors, b = try SafeTensors.read(path: second + file).tensors
            #expect(a.map(\.name) == b.map(\.name), sourceLocation: sourceLocation)
            for (x, y) in zip(a, b) {
                #expect(x.tensor == y.tensor, "\(file) \(x.name)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func ranksOnOneMachineShareMemoryUnlessTold() {
        let twoOnOneMachine = BatchPlannerTests.Rank(0, of: 2)
        #expect(DataParallel.sharesMemory(twoOnOneMachine, environment: LaunchEnvironment([:])))
        #expect(DataParallel.sharesMemory(twoOnOneMachine, environment: LaunchEnvironment(["DNN_MPI_SHARED": "1"])))
        #expect(!DataParallel.sharesMemory(twoOnOneMachine, environment: LaunchEnvironment(["DNN_MPI_SHARED": "0"])))
        #expect(!DataParallel.sharesMemory(SingleProcess(), environment: LaunchEnvironment([:])))
    }

    @Test func sumsOverlapBackwardOnlyAcrossMachinesUnlessTold() {
        let oneMachine = SingleProcess()
        #expect(!DataParallel.overlapsSums(oneMachine, environment: [:]))
        #expect(DataParallel.overlapsSums(oneMachine, environment: ["DNN_MPI_OVERLAP": "1"]))
        #expect(!DataParallel.overlapsSums(oneMachine, environment: ["DNN_MPI_OVERLAP": "0"]))
    }

    /// Trains `config` with `options` in one process (into `directory`/one) and on `ranks`
    /// ranks (`directory`/ranks), and expects the two runs to agree (`expectSameRuns`).
    static func expectRanksMatchOneProcess(_ config: String, in directory: String, ranks: Int = 2, options: [String],
                                           extra: [String] = [], epochs: Int,
                                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let single = try CLI.run(["train", config, "--out", directory + "/one"] + options)
        #expect(single.status == 0, "\(single.stderr)", sourceLocation: sourceLocation)
        let parallel = try run(ranks: ranks, ["train", config, "--out", directory + "/ranks"] + options, extra: extra)
        #expect(parallel.status == 0, "\(parallel.stderr)", sourceLocation: sourceLocation)
        try expectSameRuns(directory + "/one", directory + "/ranks", epochs: epochs, sourceLocation: sourceLocation)
    }

    /// The metrics (timings aside) and final weights of two runs agree to float rounding.
    static func expectSameRuns(_ first: String, _ second: String, epochs: Int,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let one = try numbers(first), parallel = try numbers(second)
        #expect(one.count == epochs && parallel.count == epochs, sourceLocation: sourceLocation)
        for (a, b) in zip(one, parallel) {
            #expect(Set(a.keys) == Set(b.keys), sourceLocation: sourceLocation)
            for (key, value) in a {
                let difference = abs(value - (b[key] ?? .infinity)) / Swift.max(abs(value), 1e-3)
                #expect(difference < 1e-5, "\(key): \(value) vs \(b[key] ?? .nan)", sourceLocation: sourceLocation)
            }
        }
        let weights = try FaultToleranceTests.tensors(first + "/last.safetensors")
        let parallelWeights = try FaultToleranceTests.tensors(second + "/last.safetensors")
        #expect(weights.count == parallelWeights.count, sourceLocation: sourceLocation)
        for (a, b) in zip(weights, parallelWeights) {
            let x: [Float] = try a.values(as: Float.self, name: "w", file: "one")
            let y: [Float] = try b.values(as: Float.self, name: "w", file: "two")
            #expect(maxRelativeDifference(x.map(Double.init), y.map(Double.init)) < 1e-5, sourceLocation: sourceLocation)
        }
    }

    /// A rank with no rows in a batch (3 ranks, batches of 3, and a last batch of 2) still
    /// clips as the others do, so the ranks stay one model: 3 ranks equal 1 process.
    @Test func aRankWithoutRowsClipsAsTheOthers() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "linear", "out": 8}, {"type": "tanh"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 3, "batch_size": 3, "print_every": 0, "clip_grad_norm": 0.05,
             "optimizer": {"type": "sgd", "lr": 0.1, "momentum": 0.9}}
            """)
        // 104 training rows: the last batch of each epoch has 2 rows, and rank 2 none.
        try Self.expectRanksMatchOneProcess(config, in: directory, ranks: 3, options: [
            "--threads", "1", "--quiet", "--set", #"data.validation={"split": 0.3067}"#], epochs: 3)
    }

    /// Class weights: each rank's gradient counts by its share of the batch's weight sum
    /// (PyTorch's weighted mean divides by Σ w[label] over the whole batch), not by its rows,
    /// so 2 ranks equal 1 process, in the loss reported too.
    @Test func classWeightsWeighEachRankByItsShareOfTheWeights() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "linear", "out": 8}, {"type": "tanh"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 3, "batch_size": 16, "print_every": 0, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        try Self.expectRanksMatchOneProcess(config, in: directory, options: [
            "--threads", "1", "--quiet", "--set", "loss.weight=[1, 4, 0.5]", "--set", "loss.label_smoothing=0.1"], epochs: 3)
    }

    /// A rank whose rows all have class weight 0 adds 0 to the batch's loss (not 0/0):
    /// iris sorted by class and read in file order in batches of 80, so rank 0's first 40
    /// rows are all setosa, weighted 0.
    @Test func aRankWhoseRowsAllWeighZeroAddsZero() throws {
        let directory = TestPaths.temporaryDirectory()
        let lines = try String(contentsOfFile: CLITrainTests.iris, encoding: .utf8).split(separator: "\n")
        let sorted = [lines[0]] + lines.dropFirst().sorted { $0.split(separator: ",").last! < $1.split(separator: ",").last! }
        try (sorted.joined(separator: "\n") + "\n").write(toFile: directory + "/sorted.csv", atomically: true, encoding: .utf8)
        let config = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "linear", "out": 8}, {"type": "tanh"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 3, "batch_size": 80, "shuffle": false, "print_every": 0, "optimizer": {"type": "sgd", "lr": 0.1}}
            """)
        try Self.expectRanksMatchOneProcess(config, in: directory, options: [
            "--threads", "1", "--quiet", "--set", "loss.weight=[0, 1, 2]",
            "--set", "data.train.path=\"\(directory)/sorted.csv\""], epochs: 3)
    }

    /// Regression: the loss gradients average over the global batch, and the validation
    /// MAE, RMSE and R² come from sums reduced over the ranks (R² from Σy, Σy², Σ(y - ŷ)²).
    @Test func twoRanksReproduceOneProcessForRegression() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = TestPaths.packageRoot + "/configs/regression.json"
        try Self.expectRanksMatchOneProcess(config, in: directory, options: [
            "--epochs", "3", "--threads", "1", "--quiet", "--set", "solver.batch_size=25"], epochs: 3)
        let rows = try Self.numbers(directory + "/ranks")
        #expect(rows.allSatisfy { $0["val_r2"] != nil && $0["val_rmse"] != nil && $0["val_mae"] != nil })
    }

    /// With `data.shard`, each rank trains on its half of the rows (read without the other
    /// half's features); the run still learns iris, validates on all 30 validation rows, and
    /// its checkpoint carries the single process's normalisation.
    @Test func shardedRanksTrainOnTheirHalves() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "linear", "out": 16}, {"type": "relu"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 40, "batch_size": 16, "print_every": 0, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let result = try Self.run(ranks: 2, ["train", config, "--out", directory + "/run", "--threads", "1",
                                             "--set", "data.shard=true", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try CLITrainTests.metrics(directory + "/run")
        #expect(rows.count == 40 && (rows.last?["val_accuracy"]?.double ?? 0) >= 0.9, "\(rows.last ?? [:])")
        let resolved = try JSON.parse(String(contentsOfFile: directory + "/run/config.json", encoding: .utf8), file: "c")
        #expect(resolved["data"]?["shard"] == true)
        let single = try CLI.run(["train", config, "--out", directory + "/one", "--threads", "1", "--epochs", "1", "--quiet"])
        #expect(single.status == 0, "\(single.stderr)")
        let sharded = try Checkpoint.read(path: directory + "/run/last.safetensors")
        #expect(sharded.normalization == (try Checkpoint.read(path: directory + "/one/last.safetensors")).normalization)
        let evaluated = try CLI.run(["eval", directory + "/run/last.safetensors", "--json"])
        #expect(try JSON.parse(evaluated.stdout, file: "eval")["samples"]?.double == 30)
        #expect((rows.last?["val_accuracy"]?.double).map { abs($0 * 30 - ($0 * 30).rounded()) < 1e-9 } == true)
    }

    @Test func aBadConfigExitsTwoWithOneMessage() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory, solver: #"{"epochs": 0, "optimizer": {"type": "sgd"}}"#)
        let result = try Self.run(ranks: 2, ["train", config, "--out", directory + "/run"])
        #expect(result.status == 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("dnn: error:") }
        #expect(errors == ["dnn: error: solver.epochs: must be at least 1, got 0"], "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/run"))
    }

    @Test func ranksWithDifferentConfigsAreRefused() throws {
        let directory = TestPaths.temporaryDirectory()
        let a = try CLITrainTests.writeConfig(directory, name: "a.json")
        let b = try CLITrainTests.writeConfig(directory, layers: #"[{"type": "linear", "out": 3}]"#, name: "b.json")
        let result = try CLI.run(["-np", "1", CLI.executable, "train", a, "--out", directory + "/run", ":",
                                  "-np", "1", CLI.executable, "train", b, "--out", directory + "/run"],
                                 executable: Self.mpirun!,
                                 environment: Self.rootEnvironment)
        #expect(result.status == 2)
        #expect(result.stderr.contains("the ranks run different configs"), "\(result.stderr)")
    }

    @Test func aTwoRankRunStoppedBySIGTERMResumes() throws {
        let (process, err, seen, config, run) = try Self.startTwoRanks(in: TestPaths.temporaryDirectory(), epochs: 200,
                                                                     until: "epoch 2 iter")
        // Every rank (mpirun's children) gets the SIGTERM, as Slurm and mpirun deliver it;
        // mpirun itself may inherit a blocked SIGTERM from the test runner's thread.
        try CLI.run(["-TERM", "-P", String(process.processIdentifier)], executable: "/usr/bin/pkill")
        let stderr = String(decoding: seen + err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(stderr.contains("dnn: stopped by SIGTERM"), "\(stderr)")
        let state = try TrainingState.read(path: run + "/last.state.safetensors")
        #expect(state.rankRandom.count == 2)
        let resumed = try Self.run(ranks: 2, ["train", config, "--threads", "1", "--resume", run + "/last.safetensors",
                                              "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try CLITrainTests.metrics(run).map { $0["epoch"]?.int } == Array(1...200))
    }

    /// A shared-memory run stopped by SIGTERM mid-epoch and resumed ends as the same run
    /// never stopped: the optimizer state it saved was whole (each rank steps only its
    /// chunk of it, and the snapshot gathers the others' chunks).
    @Test func aSharedRunStoppedAndResumedEndsAsOneNeverStopped() throws {
        let directory = TestPaths.temporaryDirectory()
        let (process, err, _, config, run) = try Self.startTwoRanks(in: directory, epochs: 200, until: "epoch 2 iter")
        try CLI.run(["-TERM", "-P", String(process.processIdentifier)], executable: "/usr/bin/pkill")
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(stderr.contains("dnn: stopped by SIGTERM"), "\(stderr)")
        let resumed = try Self.run(ranks: 2, ["train", config, "--threads", "1", "--resume", run + "/last.safetensors",
                                              "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let whole = try Self.run(ranks: 2, ["train", config, "--threads", "1", "--out", directory + "/whole", "--quiet"])
        #expect(whole.status == 0, "\(whole.stderr)")
        try Self.expectIdenticalRuns(run, directory + "/whole")
    }

    /// A rank killed mid-run (kill -9, as the kernel's out-of-memory killer does) ends the
    /// run on every rank within seconds, never a hang, and what the run directory holds
    /// still loads (checkpoints are replaced atomically, metrics lines whole).
    /// Finds the ranks and their liveness through /proc (Linux): skipped elsewhere.
    @Test(.enabled(if: MPILauncher.hasProcFS, "no /proc on this system: the test that kills a rank is skipped"),
          arguments: [0, 1])
    func aRankThatDiesEndsTheRunOnEveryRank(victim: Int) throws {
        let (process, err, _, _, run) = try Self.startTwoRanks(in: TestPaths.temporaryDirectory(), epochs: 5000,
                                                             until: "epoch 3 iter")
        DispatchQueue.global().async { _ = err.fileHandleForReading.readDataToEndOfFile() }
        let ranks = try Self.rankProcesses(of: process.processIdentifier)
        #expect(ranks.keys.sorted() == [0, 1])
        guard let pid = ranks[victim] else { process.terminate(); return }
        kill(pid, SIGKILL)
        let deadline = Date().addingTimeInterval(60)
        while (process.isRunning || ranks.values.contains(where: Self.isAlive)) && Date() < deadline { usleep(20_000) }
        guard !process.isRunning, !ranks.values.contains(where: Self.isAlive) else {
            for rank in ranks.values { kill(rank, SIGKILL) }
            process.terminate()
            Issue.record("mpirun or a rank still runs 60 s after rank \(victim) was killed")
            return
        }
        #expect(process.terminationStatus != 0)
        let rows = try CLITrainTests.metrics(run)
        #expect(rows.count >= 2 && rows.enumerated().allSatisfy { $0.element["epoch"]?.int == $0.offset + 1 })
        let scored = try CLI.run(["eval", run + "/last.safetensors", "--json"])
        #expect(scored.status == 0, "\(scored.stderr)")
    }

    /// The ranks `mpirun` (process `launcher`) started, by rank, from their environment.
    static func rankProcesses(of launcher: Int32) throws -> [Int: Int32] {
        var ranks: [Int: Int32] = [:]
        for line in try CLI.run(["-P", String(launcher)], executable: "/usr/bin/pgrep").stdout.split(separator: "\n") {
            guard let pid = Int32(line), let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            for entry in environment.split(separator: 0) {
                let text = String(decoding: entry, as: UTF8.self)
                if text.hasPrefix("OMPI_COMM_WORLD_RANK="), let rank = Int(text.dropFirst("OMPI_COMM_WORLD_RANK=".count)) {
                    ranks[rank] = pid
                }
            }
        }
        return ranks
    }

    /// Whether process `pid` still runs (a zombie waiting to be reaped does not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: end)...].hasPrefix(" Z")
    }

    @Test(.enabled(if: TestPaths.hasMNIST, "../shared/data/mnist is absent: MNIST accuracy on 2 ranks skipped"))
    func twoRanksWithBatchnormAndDropoutReachTheAccuracyOfOne() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = TestPaths.packageRoot + "/configs/mnist_mlp.json"
        let overrides = ["--set", "data.train.images=\(TestPaths.mnistImages)", "--set", "data.train.labels=\(TestPaths.mnistLabels)",
                         "--epochs", "3", "--quiet"]
        #expect(try CLI.run(["train", config, "--out", directory + "/one", "--threads", "1"] + overrides).status == 0)
        let two = try Self.run(ranks: 2, ["train", config, "--out", directory + "/two", "--threads", "1"] + overrides)
        #expect(two.status == 0, "\(two.stderr)")
        let one = try CLITrainTests.metrics(directory + "/one").compactMap { $0["val_accuracy"]?.double }.max() ?? 0
        let parallel = try CLITrainTests.metrics(directory + "/two").compactMap { $0["val_accuracy"]?.double }.max() ?? 0
        #expect(one > 0.95 && parallel > one - 0.01, "one process \(one), two ranks \(parallel)")
        // The checkpoint's running statistics are the ones the ranks evaluated with.
        let eval = try JSON.parse(try CLI.run(["eval", directory + "/two/best.safetensors", "--json"]).stdout, file: "eval")
        #expect(abs((eval["accuracy"]?.double ?? 0) - parallel) < 1e-9)
    }
}

/// Open MPI's launcher, if installed.
enum MPILauncher {
    static let path: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun", "/opt/homebrew/bin/mpirun"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether processes can be read through /proc (`environ`, `stat`): Linux only.
    static let hasProcFS: Bool = {
        #if os(Linux)
        return FileManager.default.fileExists(atPath: "/proc/self/stat")
        #else
        return false
        #endif
    }()
}

/// A launcher's environment without Open MPI's library: no `mpirun` needed to check it.
@Suite struct MPILibraryTests {
    /// A missing library, or one that is not MPI, is exit 2 with one message that names
    /// it, before the run directory exists; `DNN_MPI_LIBRARY` is never passed over for
    /// another library.
    @Test func aLauncherWithoutOpenMPIsLibraryIsExitTwo() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let cases = [(directory + "/missing/libmpi.so", "DNN_MPI_LIBRARY: an MPI launcher started dnn, but no MPI library could be loaded"),
                     ("libc.so.6", "libc.so.6: is not an MPI library")]
        for (library, message) in cases {
            let result = try CLI.run(["train", config, "--out", directory + "/run"],
                                     environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0",
                                                   "DNN_MPI_LIBRARY": library])
            #expect(result.status == 2)
            #expect(result.stderr.hasPrefix("dnn: error: " + message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: directory + "/run"))
        }
    }
}
