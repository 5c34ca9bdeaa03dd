import Foundation
import Testing
@testable import DNN

/// A run stopped between two steps (as SIGINT or SIGTERM stop it) and resumed from its
/// mid-epoch state gives the bits of a run that was never stopped; `checkpoint_every`
/// saves mid-epoch; sizes that cannot fit are config errors that name the layer and the
/// bytes, never an abort.
@Suite struct FaultToleranceTests {
    /// A small classifier on the shipped iris data with dropout and batchnorm, so the
    /// generator and the running statistics both matter.
    static func config(_ directory: String, solver: String = "") throws -> Config {
        let path = try CLITrainTests.writeConfig(directory, solver: """
            {"epochs": 4, "batch_size": 16, "print_every": 0, \(solver) "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        return try Config.load(path: path).config
    }

    /// The bytes of every tensor of a checkpoint (its metadata aside).
    static func tensors(_ path: String) throws -> [SafeTensors.Tensor] {
        try SafeTensors.read(path: path).tensors.map(\.tensor)
    }

    static func metricsWithoutTimes(_ run: String) throws -> [JSON] {
        try CLITrainTests.metrics(run).map { row in
            .object((row.object ?? []).filter { $0.key != "seconds" && $0.key != "samples_per_second" })
        }
    }

    /// Asks to stop during step `step`, as a signal arriving then would: the trainer reads
    /// the request at the end of each step, when the observer has seen the steps before it.
    final class StopAtStep: TrainingObserver, @unchecked Sendable {
        let step: Int
        private(set) var steps = 0
        init(step: Int) { self.step = step }
        func iteration(_ progress: IterationProgress) { steps += 1 }
        func epochEnded(_ metrics: EpochMetrics, totalEpochs: Int) {}
        func note(_ message: String) {}
        var stop: Int32? { steps >= step - 1 ? SIGTERM : nil }
    }

    @Test(arguments: [3, 8, 10]) func resumeFromAStopMidEpochIsBitIdentical(stopStep: Int) throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.config(directory)
        var options = TrainOptions()
        options.threads = 2
        options.outDirectory = directory + "/whole"
        _ = try Trainer(config: config, options: options, observer: nil).run()

        let stopper = StopAtStep(step: stopStep)
        options.outDirectory = directory + "/stopped"
        options.stopRequest = { stopper.stop }
        let stopped = try Trainer(config: config, options: options, observer: stopper).run()
        #expect(stopped.interruptedBy == SIGTERM)
        // 120 training rows in batches of 16: 8 steps an epoch.
        #expect(stopped.epochsCompleted == stopStep / 8 && stopped.iterationsIntoEpoch == stopStep % 8)
        let state = try TrainingState.read(path: directory + "/stopped/last.state.safetensors")
        #expect(state.progress.iteration == stopStep % 8 && state.stepCount == stopStep)

        options.outDirectory = nil
        options.resume = directory + "/stopped/last.safetensors"
        options.stopRequest = { nil }
        let resumed = try Trainer(config: config, options: options, observer: nil).run()
        #expect(resumed.interruptedBy == nil && resumed.epochsCompleted == 4)
        #expect(try Self.metricsWithoutTimes(directory + "/stopped") == Self.metricsWithoutTimes(directory + "/whole"))
        for file in ["last.safetensors", "best.safetensors"] {
            #expect(try Self.tensors(directory + "/stopped/" + file) == Self.tensors(directory + "/whole/" + file), "\(file)")
        }
    }

    @Test func checkpointEverySavesMidEpoch() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try Self.config(directory, solver: #""checkpoint_every": 3,"#)
        #expect(config.solver.checkpointEvery == 3)
        var options = TrainOptions()
        options.outDirectory = directory + "/run"
        final class Spy: TrainingObserver, @unchecked Sendable {
            let path: String
            var iterationsSaved: [Int] = []
            init(path: String) { self.path = path }
            func iteration(_ progress: IterationProgress) {
                if let state = try? TrainingState.read(path: path) { iterationsSaved.append(state.progress.iteration) }
            }
            func epochEnded(_ metrics: EpochMetrics, totalEpochs: Int) {}
            func note(_ message: String) {}
        }
        let spy = Spy(path: directory + "/run/last.state.safetensors")
        _ = try Trainer(config: config, options: options, observer: spy).run()
        // Before each step's report: saves after steps 3 and 6 of epoch 1, then epoch ends.
        #expect(spy.iterationsSaved.prefix(6) == [3, 3, 3, 6, 6, 0])
    }

    @Test func sizesThatCannotFitAreConfigErrorsNamingTheBytes() throws {
        let directory = TestPaths.temporaryDirectory()
        let cases: [(layers: String, location: String, message: String)] = [
            (#"[{"type": "conv2d", "out": 2, "kernel": 3, "padding": 1000000}, {"type": "flatten"}, {"type": "linear", "out": 3}]"#,
             "model.layers[0]", "the output [2, 2000000, 2000000] per sample needs 29 TB"),
            (#"[{"type": "flatten"}, {"type": "linear", "out": 1000000000}, {"type": "linear", "out": 3}]"#,
             "model.layers[1]", "weights need"),
            (#"[{"type": "conv2d", "out": 2, "kernel": 3, "padding": 9223372036854775807}]"#,
             "model.layers[0]", "the padding of conv2d is too large"),
        ]
        for (layers, location, message) in cases {
            let path = try CLITrainTests.writeConfig(directory, layers: layers)
            var json = try JSON.parse(String(contentsOfFile: path, encoding: .utf8), file: path)
            json = try json.applying(overrides: ["model.input_shape=[1, 2, 2]"])
            let config = try Config.decode(json, baseDirectory: directory, defaultName: "huge").0
            var options = TrainOptions()
            options.outDirectory = directory + "/never"
            let error = expectError(.config) { try Trainer(config: config, options: options, observer: nil) }
            #expect(error?.location == location)
            #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
            #expect(!FileManager.default.fileExists(atPath: directory + "/never"))
        }
    }

    @Test func memoryPlanSaturatesInsteadOfOverflowing() {
        #expect(MemoryPlan.product([1 << 40, 1 << 40]) == Int.max)
        #expect(MemoryPlan.sum([Int.max, 1]) == Int.max)
        #expect(MemoryPlan.bytes(32 * (1 << 40)) == "32 TB")
        #expect(MemoryPlan.bytes(1536 * (1 << 20)) == "1.5 GB")
        #expect(MemoryPlan.bytes(512) == "512 B")
    }
}
