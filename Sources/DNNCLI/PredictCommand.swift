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
        let checkpoint = try Checkpoint.read(path: path)
        let network = try checkpoint.network(path: path)
        var table: LabelledTable
        var files: [String]?
        if parsed.value("--labels") == nil, ImageReader.isImageInput(data) {
            (table, files) = try readImages(data, checkpoint: checkpoint)
            for note in table.warnings { Console.error("dnn: warning: \(note)") }
        } else {
            table = try read(data, labels: parsed.value("--labels"), labelColumn: parsed.value("--label"),
                             checkpoint: checkpoint)
        }
        table = try table.reshaped(to: checkpoint.inputShape, file: data)
        var features = table.features
        checkpoint.normalization.apply(to: &features, featureCount: table.featureCount)
        let names = checkpoint.classes.names
        let threads = try parsed.integer("--threads", in: 1...1024) ?? Compute.availableCores
        let context = Context(mode: .evaluation, compute: try parsed.compute(threads: threads))
        if checkpoint.config.loss.isRegression {
            let values = Prediction.values(network, features: features, count: table.rows, sampleShape: checkpoint.inputShape,
                                           targetCount: checkpoint.outputCount,
                                           targetNormalization: checkpoint.targetNormalization, context: context)
            let header = (["index"] + checkpoint.config.data.train.labelColumns).map(csvField).joined(separator: ",")
            let lines = [header] + values.enumerated().map { index, row in
                ([String(index)] + row.map { "\($0)" }).joined(separator: ",")
            }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            return 0
        }
        let probabilities = Prediction.probabilities(
            network, features: features, count: table.rows, sampleShape: checkpoint.inputShape,
            classCount: names.count, context: context)
        let withProbabilities = parsed.flag("--probabilities")
        var header = ["index", "predicted"]
        if files != nil { header.insert("file", at: 1) }
        if table.labels != nil { header.append("label") }
        if withProbabilities { header += names.map { "p_\($0)" } }
        var lines = [header.map(csvField).joined(separator: ",")]
        lines.reserveCapacity(table.rows + 1)
        for (index, row) in probabilities.enumerated() {
            var fields = [String(index), csvField(names[Prediction.argmax(row)])]
            if let files { fields.insert(csvField(files[index]), at: 1) }
            if let labels = table.labels { fields.append(csvField(labels[index])) }
            if withProbabilities { fields += row.map { String(format: "%.6g", $0) } }
            lines.append(fields.joined(separator: ","))
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        return 0
    }

    /// IDX images (labels optional), an `.npy` or `.npz` (its `x`, else the array the
    /// checkpoint was trained on), or a CSV whose label column is used when present.
    static func read(_ data: String, labels: String?, labelColumn: String?, checkpoint: Checkpoint) throws -> LabelledTable {
        if let labels { return try IDXReader.read(images: data, labels: labels) }
        if NumPySource.isArrayFile(data) {
            var member: String?
            if case .npz(_, let x, _, _) = checkpoint.config.data.train { member = x }
            return try NumPySource.readSamples(path: data, member: member)
        }
        if try IDXReader.isIDX(data) { return try IDXReader.readImages(data) }
        var columns = labelColumn.map { [$0] } ?? []
        if labelColumn == nil, case .csv(_, let labels, _) = checkpoint.config.data.train { columns = labels }
        // Label and target columns in the file are not features; absent ones are fine.
        let (table, warnings) = try checkpoint.readCSV(path: data, labels: columns, labelRequired: labelColumn != nil)
        for warning in warnings { Console.error("dnn: warning: \(warning)") }
        return table
    }

    /// An image file or a folder of images, made into samples as the checkpoint's training
    /// images were (its channels, size and shape), and the files in row order.
    static func readImages(_ data: String, checkpoint: Checkpoint) throws -> (LabelledTable, [String]) {
        let shape = checkpoint.inputShape
        guard shape.count == 3, shape[0] == 1 || shape[0] == 3 else {
            throw DNNError(.usage, at: data, "is an image or a folder, but the checkpoint takes samples of shape "
                           + "\(shape), not [1 or 3, H, W] images")
        }
        var source = ImageSource(location: .folder(data), channels: shape[0])
        if case .images(let trained) = checkpoint.config.data.train { source.size = trained.size }
        return try ImageReader.readForPrediction(data, like: source, shape: shape)
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
