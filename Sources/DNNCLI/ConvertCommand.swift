import DNN
import Foundation

/// `dnn convert CONFIG.json -o FILE.npz [--split train|validation|test]`: one split of a
/// config's data, as training reads it before `normalize`, as a NumPy `.npz` archive.
enum ConvertCommand {
    static let options = [OptionSpec(name: "-o", takesValue: true), OptionSpec(name: "--output", takesValue: true),
                          OptionSpec(name: "--split", takesValue: true),
                          OptionSpec(name: "--set", takesValue: true, repeatable: true)]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "convert")
        let path = try parsed.positionals(["CONFIG"], required: 1, command: "convert")[0]
        if parsed.value("-o") != nil && parsed.value("--output") != nil {
            throw DNNError(.usage, at: "--output", "and -o are the same option; give one")
        }
        guard let output = parsed.value("-o") ?? parsed.value("--output") else {
            throw DNNError(.usage, at: "convert", "needs -o FILE.npz, the archive to write")
        }
        guard output.hasSuffix(".npz") else {
            throw DNNError(.usage, at: "-o \(output)", "must end in .npz", hint: "e.g. -o train.npz")
        }
        let name = parsed.value("--split") ?? "train"
        guard let split = SplitExport.Split(rawValue: name) else {
            throw DNNError(.usage, at: "--split \(name)", "is not a split",
                           hint: "one of: \(SplitExport.Split.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let config = try Config.load(path: path, overrides: parsed.all("--set")).config
        let summary = try SplitExport.write(config: config, split: split, to: output)
        let shape = "(" + ([summary.rows] + summary.sampleShape).map(String.init).joined(separator: ", ") + ")"
        let labels = summary.classes > 0 ? "\(summary.classes) classes" : "regression targets"
        Console.out("\(output): \(split.rawValue) split, x \(summary.xType) \(shape), \(labels)")
        return 0
    }
}
