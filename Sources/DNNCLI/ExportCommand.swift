import DNN
import Foundation

/// `dnn export CHECKPOINT [-o FILE.onnx] [--opset N]`: the network as an ONNX model.
enum ExportCommand {
    static let options = [OptionSpec(name: "-o", takesValue: true), OptionSpec(name: "--output", takesValue: true),
                          OptionSpec(name: "--opset", takesValue: true)]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "export")
        let checkpoint = try parsed.positionals(["CHECKPOINT"], required: 1, command: "export")[0]
        if parsed.value("-o") != nil && parsed.value("--output") != nil {
            throw DNNError(.usage, at: "--output", "and -o are the same option; give one")
        }
        let output = parsed.value("-o") ?? parsed.value("--output") ?? defaultOutput(for: checkpoint)
        let opset = try parsed.integer("--opset", in: 1...Int.max) ?? ONNXExport.defaultOpset
        let written = try ONNXExport.export(checkpointAt: checkpoint, to: output, opset: opset)
        Console.out("\(output): opset \(opset), \(written.nodes) nodes, \(written.initializers) initializers")
        return 0
    }

    /// The checkpoint's path with `.onnx` in place of `.safetensors` (or appended).
    static func defaultOutput(for checkpoint: String) -> String {
        let suffix = ".safetensors"
        guard checkpoint.hasSuffix(suffix) else { return checkpoint + ".onnx" }
        return String(checkpoint.dropLast(suffix.count)) + ".onnx"
    }
}
