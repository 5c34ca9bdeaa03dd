import DNN
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        let reporter = ProgressReporter(style: ProgressReporter.styleForStandardError(quiet: quiet)) { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
        for warning in loaded.warnings { reporter.note("dnn: warning: \(warning)") }
        let trainer = try Trainer(config: loaded.config, options: trainOptions, observer: reporter)
        Interruption.install()
        let summary = try trainer.run()
        if let signal = summary.interruptedBy {
            Console.error(stopMessage(summary, signal: signal, arguments: arguments))
            return Interruption.exitStatus(for: signal)
        }
        if !quiet {
            let colors = reporter.style == .terminal(colors: true) && isatty(1) == 1
            Console.out(reporter.summary(summary, colors: colors))
        }
        return 0
    }

    /// Where a run stopped by a signal stands, and the command that continues it.
    static func stopMessage(_ summary: TrainingSummary, signal: Int32, arguments: [String]) -> String {
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        let position = summary.iterationsIntoEpoch > 0
            ? "after iteration \(summary.iterationsIntoEpoch) of epoch \(summary.epochsCompleted + 1)"
            : "after epoch \(summary.epochsCompleted)"
        // The same command line without the options a resume replaces.
        var kept: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if ["--resume", "--out"].contains(argument) { index += 1; continue }
            if argument.hasPrefix("--resume=") || argument.hasPrefix("--out=") || argument == "--force" { continue }
            kept.append(argument)
        }
        let command = (["dnn", "train"] + kept + ["--resume", summary.lastCheckpoint]).map(shellQuoted).joined(separator: " ")
        return "dnn: stopped by \(name) \(position); saved \(summary.lastCheckpoint)\n"
            + "dnn: continue with: \(command)"
    }

    /// `text` as one shell word.
    static func shellQuoted(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return safe && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
