import DNN
import Foundation

/// `dnn eval CHECKPOINT [--data CSV | --data IMAGES --labels LABELS] [--json]`.
enum EvalCommand {
    static let options = [
        OptionSpec(name: "--data", takesValue: true), OptionSpec(name: "--labels", takesValue: true),
        OptionSpec(name: "--label", takesValue: true), OptionSpec(name: "--threads", takesValue: true),
        OptionSpec(name: "--precision", takesValue: true),
        OptionSpec(name: "--json", takesValue: false),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "eval")
        let path = try parsed.positionals(["CHECKPOINT"], required: 1, command: "eval")[0]
        let threads = try parsed.integer("--threads", in: 1...1024) ?? Compute.availableCores
        let checkpoint = try Checkpoint.read(path: path)
        let network = try checkpoint.network(path: path)
        if checkpoint.config.data.train.isText {
            return try evaluateText(network, parsed, checkpoint: checkpoint, path: path, threads: threads)
        }
        let (raw, file) = try dataTable(parsed, checkpoint: checkpoint)
        let (table, warnings) = try checkpoint.encode(raw, file: file, what: file)
        for warning in warnings { Console.error("dnn: warning: \(warning)") }
        let reshaped = try table.reshaped(to: checkpoint.inputShape, file: file)
        let context = Context(mode: .evaluation, compute: try parsed.compute(threads: threads))
        if checkpoint.config.loss.isRegression {
            let dataset = try Dataset(table: reshaped, targetNormalization: checkpoint.targetNormalization,
                                      normalization: checkpoint.normalization, file: file, labelPath: "--data",
                                      lossType: checkpoint.config.loss.typeName)
            let result = Evaluation.run(network, on: dataset, classCount: 0, loss: checkpoint.config.loss,
                                        targetNormalization: checkpoint.targetNormalization, context: context)
            printRegression(result, json: parsed.flag("--json"), checkpoint: checkpoint, path: path, file: file)
            return 0
        }
        let dataset = try Dataset(table: reshaped, encoding: checkpoint.classes, normalization: checkpoint.normalization,
                                  file: file)
        let result = Evaluation.run(network, on: dataset, classCount: checkpoint.classes.names.count,
                                    loss: checkpoint.config.loss, context: context)
        let names = checkpoint.classes.names
        if parsed.flag("--json") {
            let perClass: JSON = .object(zip(names, result.perClassAccuracy).map { ($0, $1.map(JSON.number) ?? .null) })
            let json: JSON = [
                "loss": .number(result.loss), "accuracy": .number(result.accuracy),
                "samples": .integer(result.samples), "checkpoint": .string(path), "data": .string(file),
                "epoch": .integer(checkpoint.epoch), "classes": .array(names.map { .string($0) }),
                "per_class_accuracy": perClass,
                "confusion": .array(result.confusion.map { .array($0.map { .integer($0) }) }),
            ]
            Console.out(json.serialized(pretty: false))
            return 0
        }
        let correct = Int((result.accuracy * Double(result.samples)).rounded())
        Console.out("\(path) (epoch \(checkpoint.epoch)) on \(file)")
        Console.out("loss \(Console.format(result.loss, 4))  accuracy \(Console.format(result.accuracy, 4)) "
            + "(\(correct)/\(result.samples))")
        Console.out("")
        Console.out(ConfusionTable.render(classes: names, confusion: result.confusion,
                                          perClassAccuracy: result.perClassAccuracy))
        return 0
    }

    /// A byte-level language model: mean cross-entropy over every position, per-position
    /// accuracy and bits per byte (loss / ln 2) on `--data` (a text) or the config's text.
    static func evaluateText(_ network: Sequential<Float>, _ parsed: Arguments, checkpoint: Checkpoint, path: String,
                             threads: Int) throws -> Int32 {
        let (dataset, file) = try TextWindows.evaluationData(checkpoint.config, file: parsed.value("--data"))
        try network.checkTokenIds(dataset, file: file)
        let context = Context(mode: .evaluation, compute: try parsed.compute(threads: threads))
        let result = Evaluation.run(network, on: dataset, classCount: TextWindows.vocabulary,
                                    loss: checkpoint.config.loss, context: context)
        let bits = result.loss / log(2.0)
        if parsed.flag("--json") {
            let json: JSON = [
                "loss": .number(result.loss), "accuracy": .number(result.accuracy), "bits_per_byte": .number(bits),
                "samples": .integer(result.samples), "positions": .integer(result.samples * dataset.labelsPerSample),
                "checkpoint": .string(path), "data": .string(file), "epoch": .integer(checkpoint.epoch),
            ]
            Console.out(json.serialized(pretty: false))
            return 0
        }
        Console.out("\(path) (epoch \(checkpoint.epoch)) on \(file)")
        Console.out("loss \(Console.format(result.loss, 4))  bits per byte \(Console.format(bits, 4))  "
            + "accuracy \(Console.format(result.accuracy, 4))  (\(result.samples) windows of \(dataset.labelsPerSample) bytes)")
        return 0
    }

    /// A regression checkpoint's loss (on the targets as training scaled them) and its
    /// errors in the targets' original units; `accuracy` is null.
    static func printRegression(_ result: Evaluation, json: Bool, checkpoint: Checkpoint, path: String, file: String) {
        let errors = result.regression ?? RegressionErrors(columns: 0)
        let targets = checkpoint.config.data.train.labelColumns
        if json {
            let object: JSON = [
                "loss": .number(result.loss), "mae": .number(errors.mae), "rmse": .number(errors.rmse),
                "r2": .number(errors.r2), "accuracy": .null, "samples": .integer(result.samples),
                "checkpoint": .string(path), "data": .string(file), "epoch": .integer(checkpoint.epoch),
                "targets": .array(targets.map { .string($0) }),
            ]
            Console.out(object.serialized(pretty: false))
            return
        }
        Console.out("\(path) (epoch \(checkpoint.epoch)) on \(file), target \(targets.joined(separator: ", "))")
        Console.out("loss \(Console.format(result.loss, 4))  mae \(String(format: "%.4g", errors.mae))  "
            + "rmse \(String(format: "%.4g", errors.rmse))  r2 \(Console.format(errors.r2, 4))  (\(result.samples) samples)")
    }

    /// The table to evaluate: `--data` (and `--labels`), else the config's test set, else its validation set.
    static func dataTable(_ parsed: Arguments, checkpoint: Checkpoint) throws -> (LabelledTable, String) {
        let config = checkpoint.config
        if let data = parsed.value("--data") {
            if NumPySource.isArrayFile(data) {
                return (try NumPySource.readLabelled(path: data, labels: parsed.value("--labels"), like: config.data.train), data)
            }
            if let labels = parsed.value("--labels") {
                return (try IDXReader.read(images: data, labels: labels), data)
            }
            let columns: [String]
            if let label = parsed.value("--label") {
                columns = config.loss.isRegression ? label.split(separator: ",").map(String.init) : [label]
            } else if case .csv(_, let labels, _) = config.data.train {
                columns = labels
            } else {
                throw DNNError(.usage, at: "--data \(data)",
                               "the checkpoint was trained on IDX files, so a CSV needs --label COLUMN (or give IDX images with --labels)")
            }
            let (table, warnings) = try checkpoint.readCSV(path: data, labels: columns, labelRequired: true)
            for warning in warnings { Console.error("dnn: warning: \(warning)") }
            return (table, data)
        }
        if parsed.value("--labels") != nil {
            throw DNNError(.usage, at: "--labels", "needs IDX images in --data")
        }
        if let test = config.data.test {
            return (try checkpoint.read(test, at: "data.test"), test.displayName)
        }
        switch config.data.validation {
        case .source(let source)?:
            return (try checkpoint.read(source, at: "data.validation"), source.displayName)
        case let .split(fraction, shuffle)?:
            // The very rows training validated on: the same split of the same file and seed.
            let table = try checkpoint.read(config.data.train, at: "data.train")
            return (try table.split(fraction: fraction, shuffle: shuffle, seed: config.seed,
                                    stratified: !config.loss.isRegression).validation,
                    config.data.train.displayName)
        case nil:
            throw DNNError(.usage, at: "dnn eval", "the checkpoint's config has no test or validation data",
                           hint: "give the data with --data")
        }
    }
}

/// The per-class accuracy and confusion matrix as a text table.
enum ConfusionTable {
    static func render(classes: [String], confusion: [[Int]], perClassAccuracy: [Double?]) -> String {
        let width = max(8, (classes.map(\.count).max() ?? 0) + 1)
        let cellWidth = max(6, String(confusion.flatMap { $0 }.max() ?? 0).count + 1)
        func pad(_ text: String, _ size: Int) -> String {
            String(repeating: " ", count: max(0, size - text.count)) + text
        }
        var lines = [pad("class", width) + pad("accuracy", 10) + "   confusion (rows: label, columns: predicted)"]
        lines.append(pad("", width) + pad("", 10) + "   " + classes.indices.map { pad(String($0), cellWidth) }.joined())
        for (index, name) in classes.enumerated() {
            let accuracy = perClassAccuracy[index].map { Console.format($0, 4) } ?? "-"
            lines.append(pad(name, width) + pad(accuracy, 10) + "   "
                + confusion[index].map { pad(String($0), cellWidth) }.joined() + "   [\(index)]")
        }
        return lines.joined(separator: "\n")
    }
}
