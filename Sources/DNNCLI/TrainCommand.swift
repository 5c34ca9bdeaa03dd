import DNN
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dnn train CONFIG.json [options]`, in one process or as one rank of `mpirun -np N`.
enum TrainCommand {
    static let options = [
        OptionSpec(name: "--out", takesValue: true), OptionSpec(name: "--epochs", takesValue: true),
        OptionSpec(name: "--seed", takesValue: true), OptionSpec(name: "--resume", takesValue: true),
        OptionSpec(name: "--threads", takesValue: true), OptionSpec(name: "--set", takesValue: true, repeatable: true),
        OptionSpec(name: "--precision", takesValue: true),
        OptionSpec(name: "--force", takesValue: false), OptionSpec(name: "--quiet", takesValue: false),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let communicator = try MPICommunicator.current()
        defer { communicator.finish() }
        guard communicator.size > 1 else {
            let (trainer, reporter, quiet) = try prepare(arguments, communicator: communicator)
            return try train(trainer, reporter: reporter, quiet: quiet, arguments: arguments)
        }
        // Every rank must know whether every other one is ready before the first collective,
        // or the ready ones would wait forever for a rank that has already exited.
        var prepared: (Trainer, ProgressReporter?, Bool)?
        var failure: Error?
        do { prepared = try prepare(arguments, communicator: communicator) } catch { failure = error }
        let failed = communicator.maximized([failure == nil ? 0 : 1, communicator.isPrimary && failure != nil ? 1 : 0])
        if failed[0] > 0 {
            // A config error is the same on every rank: rank 0 alone says it.
            if let failure, communicator.isPrimary || failed[1] == 0 { report(failure, rank: communicator.rank) }
            return (failure as? DNNError)?.exitCode ?? 2
        }
        let (trainer, reporter, quiet) = prepared!
        do {
            try trainer.checkRanksAgree()
            return try train(trainer, reporter: reporter, quiet: quiet, arguments: arguments)
        } catch let error as DNNError where error.kind == .training || error.location == "mpirun" {
            // Every rank meets these at the same step.
            if communicator.isPrimary { report(error, rank: 0) }
            return error.exitCode
        } catch {
            // A failure of this rank alone: the others would wait for it, so end them all.
            report(error, rank: communicator.rank)
            communicator.abort(status: (error as? DNNError)?.exitCode ?? 2)
        }
    }

    /// Parses the command line and builds the trainer (which checks every input).
    static func prepare(_ arguments: [String], communicator: any Communicator) throws -> (Trainer, ProgressReporter?, Bool) {
        let parsed = try Arguments(arguments, options: options, command: "train")
        let resume = parsed.value("--resume")
        let positionals = try parsed.positionals(["CONFIG.json"], required: resume == nil ? 1 : 0, command: "train")
        var overrides = parsed.all("--set")
        if let epochs = try parsed.integer("--epochs", in: 1...Int.max) { overrides.append("solver.epochs=\(epochs)") }
        if let seed = try parsed.integer("--seed", in: 0...Int.max) { overrides.append("seed=\(seed)") }
        if let precision = try parsed.precision() { overrides.append("solver.precision=\"\(precision.rawValue)\"") }
        var trainOptions = TrainOptions()
        trainOptions.outDirectory = parsed.value("--out")
        trainOptions.resume = resume
        trainOptions.force = parsed.flag("--force")
        trainOptions.communicator = communicator
        // The ranks on one machine share its cores.
        let localRanks = LaunchEnvironment.current.ranksOnThisMachine(ranks: communicator.size)
        trainOptions.threads = try parsed.integer("--threads", in: 1...1024)
            ?? Swift.max(1, Compute.availableCores / localRanks)
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
        // Rank 0 alone reports; the other ranks print nothing but their own errors.
        let reporter = communicator.isPrimary
            ? ProgressReporter(style: ProgressReporter.styleForStandardError(quiet: quiet)) { text in
                FileHandle.standardError.write(Data(text.utf8))
            } : nil
        for warning in loaded.warnings { reporter?.note("dnn: warning: \(warning)") }
        let trainer = try Trainer(config: loaded.config, options: trainOptions, observer: reporter)
        return (trainer, reporter, quiet)
    }

    /// Runs the trainer and prints the outcome; the exit status.
    static func train(_ trainer: Trainer, reporter: ProgressReporter?, quiet: Bool, arguments: [String]) throws -> Int32 {
        Interruption.install()
        let summary = try trainer.run()
        if let signal = summary.interruptedBy {
            if reporter != nil { Console.error(stopMessage(summary, signal: signal, arguments: arguments)) }
            return Interruption.exitStatus(for: signal)
        }
        if let reporter, !quiet {
            let colors = reporter.style == .terminal(colors: true) && isatty(1) == 1
            Console.out(reporter.summary(summary, colors: colors))
        }
        return 0
    }

    /// An error on stderr, naming the rank when it is not rank 0.
    static func report(_ error: Error, rank: Int) {
        let text = (error as? DNNError)?.description ?? "\(error)"
        Console.error("dnn: error: " + (rank == 0 ? "" : "rank \(rank): ") + text)
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
