import DNN
import Foundation

/// `dnn predict CHECKPOINT DATA [--probabilities]`: one CSV row per sample on stdout: the
/// predicted class, or for regression the predicted values in the targets' original units.
enum PredictCommand {
    static let options = [
        OptionSpec(name: "--probabilities", takesValue: false), OptionSpec(name: "--labels", takesValue: true),
        OptionSpec(name: "--label", takesValue: true), OptionSpec(name: "--threads", takesValue: true),
        OptionSpec(name: "--precision", takesValue: true),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "predict")
        let positionals = try parsed.positionals(["CHECKPOINT", "DATA"], required: 2, command: "predict")
        let (path, data) = (positionals[0], positionals[1])
        let threads = try parsed.integer("--threads", in: 1...1024) ?? Compute.availableCores
        let model = try Model(checkpoint: path, compute: try parsed.compute(threads: threads))
        let samples = try model.samples(from: data, labelColumn: parsed.value("--label"), idxLabels: parsed.value("--labels"))
        for warning in samples.warnings { Console.error("dnn: warning: \(warning)") }
        let output = try model.predict(samples, file: data)
        let lines = model.isRegression ? regressionLines(output, model: model)
            : classLines(output, model: model, samples: samples, withProbabilities: parsed.flag("--probabilities"))
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        return 0
    }

    /// A header, then the index and the predicted values of each sample.
    static func regressionLines(_ output: Model.Output, model: Model) -> [String] {
        let header = (["index"] + model.targetNames).map(csvField).joined(separator: ",")
        return [header] + output.values.enumerated().map { index, row in
            ([String(index)] + row.map { "\($0)" }).joined(separator: ",")
        }
    }

    /// A header, then the index, file (images), predicted class, label (when the data has
    /// one) and, with `--probabilities`, every class's probability of each sample.
    static func classLines(_ output: Model.Output, model: Model, samples: Model.Samples,
                           withProbabilities: Bool) -> [String] {
        var header = ["index", "predicted"]
        if samples.files != nil { header.insert("file", at: 1) }
        if samples.table.labels != nil { header.append("label") }
        if withProbabilities { header += model.classes.map { "p_\($0)" } }
        var lines = [header.map(csvField).joined(separator: ",")]
        lines.reserveCapacity(output.probabilities.count + 1)
        for (index, row) in output.probabilities.enumerated() {
            var fields = [String(index), csvField(output.predictedClasses[index])]
            if let files = samples.files { fields.insert(csvField(files[index]), at: 1) }
            if let labels = samples.table.labels { fields.append(csvField(labels[index])) }
            if withProbabilities { fields += row.map { String(format: "%.6g", $0) } }
            lines.append(fields.joined(separator: ","))
        }
        return lines
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
