import DNN
import Foundation

/// `dnn inspect CONFIG|CHECKPOINT [--json]`: the model's layers as a table.
enum InspectCommand {
    static let options = [OptionSpec(name: "--json", takesValue: false), OptionSpec(name: "--set", takesValue: true, repeatable: true)]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "inspect")
        let path = try parsed.positionals(["CONFIG|CHECKPOINT"], required: 1, command: "inspect")[0]
        let config: Config
        var checkpoint: Checkpoint?
        if path.hasSuffix(".safetensors") {
            checkpoint = try Checkpoint.read(path: path)
            config = checkpoint!.config
        } else {
            config = try Config.load(path: path, overrides: parsed.all("--set")).config
        }
        let raw = config.model.inputShape == nil || checkpoint == nil ? try? RawData.load(config) : nil
        let inputShape = try config.model.inputShape ?? raw?.inputShape ?? RawData.load(config).inputShape
        let batch = Swift.min(config.solver.batchSize, raw?.train.rows ?? config.solver.batchSize)
        let summary = try ModelSummary(config.model.layers, inputShape: inputShape, batchSize: batch,
                                       dataBytes: raw?.bytes ?? 0)
        if parsed.flag("--json") {
            Console.out(try json(config, inputShape: inputShape, summary: summary, checkpoint: checkpoint, path: path))
            return 0
        }
        printTable(config, inputShape: inputShape, summary: summary, batch: batch)
        if let checkpoint { printCheckpoint(checkpoint) }
        return 0
    }

    /// The summary as one JSON object (`--json`).
    static func json(_ config: Config, inputShape: [Int], summary: ModelSummary, checkpoint: Checkpoint?,
                     path: String) throws -> String {
        var json: [(key: String, value: JSON)] = [
            ("name", .string(config.name)),
            ("input_shape", .array(inputShape.map { .integer($0) })),
            ("layers", .array(summary.rows.map { row in
                ["name": .string(row.name), "depth": .integer(row.depth),
                 "output_shape": .array(row.outputShape.map { .integer($0) }),
                 "parameters": .integer(row.parameters), "flops": .integer(row.flops),
                 "activation_bytes": .integer(row.activationBytes)]
            })),
            ("parameters", .integer(summary.parameters)), ("flops", .integer(summary.flops)),
            ("activation_bytes", .integer(summary.activationBytes)),
            ("memory", ["batch_size": .integer(summary.batchSize), "training_bytes": .integer(summary.trainingBytes),
                        "evaluation_bytes": .integer(summary.evaluationBytes),
                        "physical_bytes": .integer(summary.memoryLimit)]),
        ]
        if let checkpoint {
            json += [("epoch", .integer(checkpoint.epoch)), ("metrics", checkpoint.metrics ?? .null),
                     ("classes", .array(checkpoint.classes.names.map { .string($0) })),
                     ("normalization", try JSON.parse(checkpoint.normalization.jsonString, file: path))]
        }
        return JSON.object(json).serialized(pretty: false)
    }

    /// The layer table, its totals and the memory estimate.
    static func printTable(_ config: Config, inputShape: [Int], summary: ModelSummary, batch: Int) {
        Console.out("model \(config.name): input \(describe(inputShape)), \(config.model.layers.count) layers")
        let header = pad("layer", 28, left: true) + pad("output shape", 16) + pad("params", 13) + pad("FLOPs", 15)
            + pad("activations", 14)
        Console.out(header)
        Console.out(String(repeating: "-", count: header.count))
        for row in summary.rows {
            Console.out(pad(String(repeating: "  ", count: row.depth) + row.name, 28, left: true)
                + pad(describe(row.outputShape), 16) + pad(grouped(row.parameters), 13) + pad(grouped(row.flops), 15)
                + pad(bytes(row.activationBytes), 14))
        }
        Console.out(String(repeating: "-", count: header.count))
        Console.out(pad("total", 28, left: true) + pad("", 16) + pad(grouped(summary.parameters), 13)
            + pad(grouped(summary.flops), 15) + pad(bytes(summary.activationBytes), 14))
        Console.out("parameters: \(grouped(summary.parameters)) (\(bytes(summary.parameterBytes)) in Float32); "
            + "forward FLOPs per sample: \(grouped(summary.flops)); activations: \(bytes(summary.activationBytes)) "
            + "per sample, \(bytes(summary.activationBytes * batch)) for a batch of \(batch)")
        Console.out("memory: training needs about \(MemoryPlan.bytes(summary.trainingBytes)) (weights, gradients and "
            + "optimizer state, activations for a batch of \(summary.batchSize), the data), evaluation about "
            + "\(MemoryPlan.bytes(summary.evaluationBytes)); this machine has \(MemoryPlan.bytes(summary.memoryLimit))")
    }

    /// What a checkpoint adds: its epoch, metrics, classes and normalisation.
    static func printCheckpoint(_ checkpoint: Checkpoint) {
        Console.out("")
        Console.out("checkpoint: epoch \(checkpoint.epoch)")
        if let metrics = checkpoint.metrics?.object {
            let text = metrics.compactMap { key, value -> String? in
                guard let number = value.double, key != "seconds", key != "samples_per_second" else { return nil }
                return "\(key) \(key == "epoch" ? String(Int(number)) : String(format: "%.4g", number))"
            }
            Console.out("metrics: " + text.joined(separator: ", "))
        }
        if checkpoint.config.loss.isRegression {
            let targets = checkpoint.config.data.train.labelColumns
            var line = "targets (\(targets.count), \(checkpoint.config.loss.typeName)): " + targets.joined(separator: ", ")
            if case .standardize = checkpoint.targetNormalization { line += "; standardized for training" }
            Console.out(line)
        } else {
            Console.out("classes (\(checkpoint.classes.names.count)): " + checkpoint.classes.names.joined(separator: ", "))
        }
        if let encoding = checkpoint.encoding {
            let names = encoding.featureNames
            Console.out("encoded features (\(names.count)): " + names.joined(separator: ", "))
        }
        switch checkpoint.normalization {
        case .none: Console.out("normalization: none")
        case .scale: Console.out("normalization: scale (x / 255)")
        case .standardize(let mean, _):
            Console.out("normalization: standardize (mean and std of \(mean.count) features, from the training set)")
        case let .channels(mean, std):
            Console.out("normalization: x / 255, then per channel mean \(mean) and std \(std)")
        }
        }

    static func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + fill : fill + text
    }

    static func grouped(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
