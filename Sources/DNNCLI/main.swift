import DNN
import Foundation

/// `dnn`: the command-line trainer. Commands live in one file each; errors thrown
/// anywhere below become one line on stderr and the contract's exit code here.
let arguments = Array(CommandLine.arguments.dropFirst())
let status: Int32
do {
    status = try run(arguments)
} catch let error as DNNError {
    Console.error("dnn: error: \(error.description)")
    status = error.exitCode
} catch {
    Console.error("dnn: error: \(error)")
    status = 2
}
exit(status)

func run(_ arguments: [String]) throws -> Int32 {
    guard let command = arguments.first else {
        Console.out(Help.overview)
        return 0
    }
    let rest = Array(arguments.dropFirst())
    if rest.contains("--help") || rest.contains("-h"), let text = Help.text(for: command) {
        Console.out(text)
        return 0
    }
    switch command {
    case "train": return try TrainCommand.run(rest)
    case "eval": return try EvalCommand.run(rest)
    case "gradcheck": return try GradcheckCommand.run(rest)
    case "bench": return try BenchCommand.run(rest)
    case "inspect": return try InspectCommand.run(rest)
    case "predict": return try PredictCommand.run(rest)
    case "plot": return try PlotCommand.run(rest)
    case "export": return try ExportCommand.run(rest)
    case "convert": return try ConvertCommand.run(rest)
    case "sample": return try SampleCommand.run(rest)
    case "help", "--help", "-h":
        guard let topic = rest.first else {
            Console.out(Help.overview)
            return 0
        }
        guard let text = Help.text(for: topic) else {
            throw DNNError(.usage, at: topic, "is not a dnn command", hint: "commands: \(Help.commands.joined(separator: ", "))")
        }
        Console.out(text)
        return 0
    case "--version", "version":
        Console.out("dnn \(DNNVersion.current)")
        return 0
    default:
        let suggestion = nearest(command, in: Help.commands)
        throw DNNError(.usage, at: command, "is not a dnn command",
                       hint: suggestion.map { "did you mean '\($0)'? see dnn --help" } ?? "see dnn --help")
    }
}
