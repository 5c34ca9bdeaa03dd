import DNN
import Foundation

/// `dnn plot RUN_DIR... [-o FILE.svg]`: training curves as SVG.
enum PlotCommand {
    static let options = [
        OptionSpec(name: "-o", takesValue: true), OptionSpec(name: "--output", takesValue: true),
        OptionSpec(name: "--title", takesValue: true),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "plot")
        guard !parsed.positionals.isEmpty else {
            throw DNNError(.usage, at: "dnn plot", "needs at least one run directory", hint: "see dnn help plot")
        }
        let runs = try parsed.positionals.map { try MetricsPlot.Run(directory: $0) }
        let output = parsed.value("-o") ?? parsed.value("--output")
            ?? (runs.count == 1 ? parsed.positionals[0] + "/metrics.svg" : "plot.svg")
        let svg = MetricsPlot.svg(runs, title: parsed.value("--title"))
        do {
            try svg.write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw DNNError(.io, at: output, "cannot write the plot: \(error.localizedDescription)")
        }
        Console.out(output)
        return 0
    }
}
