import DNN
import Foundation

/// `dnn train CONFIG.json [options]`.
enum TrainCommand {
    static let options = [
        OptionSpec(name: "--out", takesValue: true), OptionSpec(name: "--epochs", takesValue: true),
        OptionSpec(name: "--seed", takesValue: true), OptionSpec(name: "--resume", takesValue: true),
        OptionSpec(name: "--threads", takesValue: true), OptionSpec(name: "--set", takesValue: true, repeatable: true),
        OptionSpec(name: "--force", takesValue: false), OptionSpec(name: "--quiet", takesValue: false),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "train")
        let resume = parsed.value("--resume")
        let positionals = try parsed.positionals(["CONFIG.json"], required: resume == nil ? 1 : 0, command: "train")
        var overrides = parsed.all("--set")
        if let epochs = try parsed.integer("--epochs", in: 1...Int.max) { overrides.append("solver.epochs=\(epochs)") }
        if let seed = try parsed.integer("--seed", in: 0...Int.max) { overrides.append("seed=\(seed)") }
        var trainOptions = TrainOptions()
        trainOptions.outDirectory = parsed.value("--out")
        trainOptions.resume = resume
        trainOptions.force = parsed.flag("--force")
        trainOptions.threads = try parsed.integer("--threads", in: 1...1024) ?? Compute.availableCores
        let quiet = parsed.flag("--quiet")

        let loaded: LoadedConfig
        if let path = positionals.first {
            loaded = try Config.load(path: path, overrides: overrides)
        } else {
            // --resume without a config: the run's own resolved config.
            let checkpoint = try Checkpoint.read(path: resume!)
            let json = try checkpoint.configJSON.applying(overrides: overrides)
            let (config, warnings) = try Config.decode(json, baseDirectory: "/", defaultName: checkpoint.config.name)
            loaded = LoadedConfig(config: config, warnings: warnings, json: json)
        }
        if !quiet {
            for warning in loaded.warnings { Console.error("dnn: warning: \(warning)") }
        }
        let observer = TrainingLog(quiet: quiet)
        let summary = try Trainer(config: loaded.config, options: trainOptions, observer: observer).run()
        if !quiet {
            var line = "done: \(summary.epochsCompleted) epochs in \(Console.format(summary.seconds, 1))s"
            if let accuracy = summary.bestValidationAccuracy {
                line += "; best val_accuracy \(Console.format(accuracy, 4)) at epoch \(summary.bestEpoch)"
            }
            if summary.stoppedEarly { line += " (stopped early)" }
            Console.out(line)
            Console.out("checkpoints: \(summary.runDirectory)/best.safetensors, \(summary.runDirectory)/last.safetensors")
        }
        return 0
    }
}

/// Plain log lines on stderr: one per `print_every` iterations and one per epoch.
final class TrainingLog: TrainingObserver {
    let quiet: Bool

    init(quiet: Bool) { self.quiet = quiet }

    func iteration(epoch: Int, iteration: Int, of iterations: Int, loss: Double, accuracy: Double,
                   samplesPerSecond: Double) {
        guard !quiet else { return }
        Console.error("epoch \(epoch) iter \(iteration)/\(iterations)  loss \(Console.format(loss, 4))  "
            + "acc \(Console.format(accuracy, 4))  \(Int(samplesPerSecond)) samples/s")
    }

    func epochEnded(_ m: EpochMetrics, totalEpochs: Int) {
        guard !quiet else { return }
        var line = "epoch \(m.epoch)/\(totalEpochs)  train_loss \(Console.format(m.trainLoss, 4))  "
            + "train_acc \(Console.format(m.trainAccuracy, 4))"
        if let loss = m.validationLoss, let accuracy = m.validationAccuracy {
            line += "  val_loss \(Console.format(loss, 4))  val_acc \(Console.format(accuracy, 4))"
        }
        line += "  lr \(m.learningRate)  \(Int(m.samplesPerSecond)) samples/s  \(Console.format(m.seconds, 2))s"
        Console.error(line)
    }

    func note(_ message: String) {
        guard !quiet else { return }
        Console.error(message)
    }
}
