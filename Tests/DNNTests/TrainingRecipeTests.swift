import Foundation
import Testing
@testable import DNN

/// The training recipes of issue #12 inside a real run: warmup and a schedule in
/// metrics.jsonl's `lr`, the plateau state and the gradient norm surviving a mid-epoch
/// `--resume` bit for bit, `solver.monitor` and `early_stopping.min_delta` as Keras
/// defines them, and clipping as `clip_grad_norm_`.
@Suite struct TrainingRecipeTests {
    @Test func warmupThenPlateauResumesBitIdenticallyMidRun() throws {
        let directory = TestPaths.temporaryDirectory()
        let path = try CLITrainTests.writeConfig(directory, solver: """
            {"epochs": 7, "batch_size": 16, "print_every": 0, "monitor": "val_loss", "clip_grad_norm": 0.5,
             "warmup": {"epochs": 2, "start_factor": 0.5},
             "lr_schedule": {"type": "plateau", "patience": 0, "factor": 0.5, "threshold": 0.5},
             "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let config = try Config.load(path: path).config
        var options = TrainOptions()
        options.threads = 2
        options.outDirectory = directory + "/whole"
        _ = try Trainer(config: config, options: options, observer: nil).run()
        let whole = try FaultToleranceTests.metricsWithoutTimes(directory + "/whole")
        let rates = whole.compactMap { $0["lr"]?.double }
        // Warmup 0.5, 0.75, then the base rate; threshold 0.5: no epoch's loss falls to half
        // the best, so every plateau epoch after the first is bad and (patience 0) halves the rate.
        let expected = [0.005, 0.0075, 0.01, 0.01, 0.005, 0.0025, 0.00125]
        #expect(rates.count == 7)
        #expect(zip(rates, expected).allSatisfy { abs($0 - $1) <= 1e-15 }, "\(rates)")
        #expect(whole.allSatisfy { ($0["grad_norm"]?.double ?? 0) > 0 })

        // Stopped in epoch 5 (8 steps an epoch), after the first plateau reduction.
        let stopper = FaultToleranceTests.StopAtStep(step: 35)
        options.outDirectory = directory + "/stopped"
        options.stopRequest = { stopper.stop }
        _ = try Trainer(config: config, options: options, observer: stopper).run()
        let state = try TrainingState.read(path: directory + "/stopped/last.state.safetensors")
        #expect(state.progress.plateau.best.isFinite && state.progress.gradientNormSum > 0)
        options.outDirectory = nil
        options.resume = directory + "/stopped/last.safetensors"
        options.stopRequest = { nil }
        _ = try Trainer(config: config, options: options, observer: nil).run()
        #expect(try FaultToleranceTests.metricsWithoutTimes(directory + "/stopped") == whole)
        for file in ["last.safetensors", "best.safetensors"] {
            #expect(try FaultToleranceTests.tensors(directory + "/stopped/" + file)
                    == FaultToleranceTests.tensors(directory + "/whole/" + file), "\(file)")
        }
    }

    @Test func plateauWithoutValidationIsAConfigError() throws {
        let directory = TestPaths.temporaryDirectory()
        let path = try CLITrainTests.writeConfig(directory, solver: """
            {"epochs": 2, "lr_schedule": {"type": "plateau"}, "optimizer": {"type": "sgd"}}
            """)
        let config = try Config.load(path: path, overrides: ["data.validation=null"]).config
        let error = expectError(.config) { try Trainer(config: config, options: TrainOptions(), observer: nil) }
        #expect(error?.location == "solver.lr_schedule")
    }

    @Test func monitorAndMinDeltaFollowKeras() {
        var progress = TrainingProgress(learningRate: 0.1, random: RandomGenerator(seed: 1))
        // val_loss: lower is better; min_delta 0.1 moves early stopping's reference only
        // on improvements larger than 0.1, while best.safetensors follows every strict
        // improvement and keeps the earliest of equal values.
        let losses = [1.0, 0.95, 0.95, 0.85, 0.8, 0.69]
        var best: [Int] = [], waits: [Int] = []
        for (index, loss) in losses.enumerated() {
            if progress.recordMonitor(loss, epoch: index + 1, monitor: .validationLoss, minDelta: 0.1) {
                best.append(index + 1)
            }
            waits.append(progress.epochsWithoutImprovement)
        }
        #expect(best == [1, 2, 4, 5, 6])
        #expect(waits == [0, 1, 2, 0, 1, 0])
        #expect(progress.bestValue == 0.69 && progress.stoppingBest == 0.69)
        var accuracy = TrainingProgress(learningRate: 0.1, random: RandomGenerator(seed: 1))
        let improved = [0.5, 0.5, 0.6].enumerated().map {
            accuracy.recordMonitor($1, epoch: $0 + 1, monitor: .validationAccuracy, minDelta: 0)
        }
        #expect(improved == [true, false, true] && accuracy.bestEpoch == 3)
    }

    @Test func clippingScalesTheWholeGradientAsClipGradNorm() {
        let a = Parameter(Tensor<Double>(shape: [3], values: [0, 0, 0]), regularized: true)
        let b = Parameter(Tensor<Double>(shape: [2, 2], values: [0, 0, 0, 0]), regularized: false)
        let gradients: [Double] = [3, -4, 1, 2, -2, 0, 5]  // Σ g² = 59
        func load() {
            for i in 0..<3 { a.gradient.data[i] = gradients[i] }
            for i in 0..<4 { b.gradient.data[i] = gradients[3 + i] }
        }
        load()
        let norm = GradientClipping(parameters: [a, b], maxNorm: nil).apply()
        #expect(abs(norm - 59.0.squareRoot()) < 1e-15)
        #expect(a.gradient.array == [3, -4, 1])
        let clip = GradientClipping(parameters: [a, b], maxNorm: 2)
        #expect(clip.apply() == norm)
        let coefficient = 2 / (norm + 1e-6)
        #expect(a.gradient.array == [3, -4, 1].map { $0 * coefficient })
        #expect(b.gradient.array == [2, -2, 0, 5].map { $0 * coefficient })
        load()
        _ = GradientClipping(parameters: [a, b], maxNorm: 100).apply()
        #expect(a.gradient.array == [3, -4, 1], "below max_norm nothing changes")
    }

    /// The norm's blocks are summed on two threads (one region over every parameter, the
    /// split inside the first) and added in the serial order: the same bits.
    @Test func gradientNormOnTwoThreadsHasTheSerialBits() {
        var random = RandomGenerator(seed: 11)
        let parameters = [40_000, 7, 513, 33_000].map { count in
            let parameter = Parameter(Tensor<Float>(shape: [count]), regularized: true)
            for i in 0..<count { parameter.gradient.data[i] = Float(random.normal()) }
            return parameter
        }
        let serial = GradientClipping(parameters: parameters, maxNorm: nil).apply()
        let parallel = GradientClipping(parameters: parameters, maxNorm: nil).apply(Compute(threads: 2))
        let expected = parameters.reduce(0.0) { $0 + Float.sumOfSquares($1.gradient.data, count: $1.gradient.count) }
        #expect(serial == expected.squareRoot())
        #expect(parallel == serial)
    }

    @Test func sumOfSquaresIsExactOnLongFloatVectors() {
        let count = 100_003
        let values = (0..<count).map { Float(($0 % 17) - 8) * 0.25 }
        let expected = values.reduce(0.0) { $0 + Double($1) * Double($1) }
        let got = values.withUnsafeBufferPointer { Float.sumOfSquares($0.baseAddress!, count: count) }
        #expect(abs(got - expected) <= 1e-12 * expected)
    }

    @Test func classWeightsAndLabelSmoothingReachTheCheckpointAndEval() throws {
        let directory = TestPaths.temporaryDirectory()
        let path = try CLITrainTests.writeConfig(directory, solver: """
            {"epochs": 3, "batch_size": 16, "print_every": 0, "monitor": "val_loss", "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let run = directory + "/run"
        let trained = try CLI.run(["train", path, "--out", run, "--set", "loss.weight=\"balanced\"",
                                   "--set", "loss.label_smoothing=0.1"])
        #expect(trained.status == 0, "\(trained.stderr)")
        // The stratified split keeps 40 training rows of each class: N / (C · count) = 1.
        let resolved = try JSON.parse(try String(contentsOfFile: run + "/config.json", encoding: .utf8), file: "config.json")
        #expect(resolved["loss"]?["weight"] == [1.0, 1.0, 1.0])
        #expect(resolved["loss"]?["label_smoothing"] == 0.1)
        let best = try CLITrainTests.metrics(run).min { ($0["val_loss"]?.double ?? 9) < ($1["val_loss"]?.double ?? 9) }
        let eval = try JSON.parse(try CLI.run(["eval", run + "/best.safetensors", "--json"]).stdout, file: "eval")
        #expect(abs((eval["loss"]?.double ?? 0) - (best?["val_loss"]?.double ?? 1)) < 1e-6)

        let weighted = try CLI.run(["train", path, "--out", directory + "/weighted", "--set", "loss.weight=[1, 3, 0.5]"])
        #expect(weighted.status == 0, "\(weighted.stderr)")
        let plain = try CLI.run(["train", path, "--out", directory + "/plain"])
        #expect(plain.status == 0)
        let weightedLoss = try CLITrainTests.metrics(directory + "/weighted").first?["train_loss"]?.double
        let plainLoss = try CLITrainTests.metrics(directory + "/plain").first?["train_loss"]?.double
        #expect(weightedLoss != nil && weightedLoss != plainLoss, "class weights change the loss")

        let wrong = try CLI.run(["train", path, "--out", directory + "/wrong", "--set", "loss.weight=[1, 2]"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("loss.weight: has 2 weights, but the network scores 3 classes"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/wrong/config.json"))
    }

    @Test func lossOptionsAreCheckedAtTheirPaths() {
        let F = ConfigFixtures.self
        let smoothing = F.error(F.config(extra: #", "loss": {"type": "cross_entropy", "label_smoothing": 1.5}"#))
        #expect(smoothing?.description == "loss.label_smoothing: must be in [0, 1], got 1.5")
        let word = F.error(F.config(extra: #", "loss": {"type": "cross_entropy", "weight": "balance"}"#))
        #expect(word?.location == "loss.weight" && word?.hint == "did you mean 'balanced'?")
        let negative = F.error(F.config(extra: #", "loss": {"type": "cross_entropy", "weight": [1, -1]}"#))
        #expect(negative?.location == "loss.weight[1]")
    }
}
