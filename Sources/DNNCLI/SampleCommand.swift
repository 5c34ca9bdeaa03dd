import DNN
import Foundation

/// `dnn sample CHECKPOINT [--prompt TEXT] [--tokens N] [--temperature X] [--top-k K] [--seed S]`:
/// text from a byte-level language model (a checkpoint trained on a `text` source).
enum SampleCommand {
    static let options = [
        OptionSpec(name: "--prompt", takesValue: true), OptionSpec(name: "--tokens", takesValue: true),
        OptionSpec(name: "--temperature", takesValue: true), OptionSpec(name: "--top-k", takesValue: true),
        OptionSpec(name: "--seed", takesValue: true), OptionSpec(name: "--threads", takesValue: true),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "sample")
        let path = try parsed.positionals(["CHECKPOINT"], required: 1, command: "sample")[0]
        let tokens = try parsed.integer("--tokens", in: 0...10_000_000) ?? 256
        let topK = try parsed.integer("--top-k", in: 1...TextWindows.vocabulary)
        let threads = try parsed.integer("--threads", in: 1...1024) ?? 1
        let temperature = try self.temperature(parsed.value("--temperature"))
        let seed = try self.seed(parsed.value("--seed"))
        let checkpoint = try Checkpoint.read(path: path)
        guard case .text(_, let context, _) = checkpoint.config.data.train else {
            throw DNNError(.usage, at: path, "is not a byte-level language model (its data.train is a "
                           + "\(checkpoint.config.data.train.format) source, not text)",
                           hint: "dnn sample takes a checkpoint trained on {\"format\": \"text\", ...}")
        }
        var sampler = TextSampler(network: try checkpoint.network(path: path), context: context)
        sampler.temperature = temperature
        sampler.topK = topK
        let prompt = Array((parsed.value("--prompt") ?? "").utf8)
        let text = sampler.generate(after: prompt, count: tokens, seed: seed, compute: Compute(threads: threads))
        FileHandle.standardOutput.write(Data(prompt + text + [10]))
        return 0
    }

    private static func temperature(_ text: String?) throws -> Double {
        guard let text else { return 1 }
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw DNNError(.usage, at: "--temperature", "expects a number greater than 0, got '\(text)'")
        }
        return value
    }

    private static func seed(_ text: String?) throws -> UInt64 {
        guard let text else { return 0 }
        guard let value = UInt64(text) else {
            throw DNNError(.usage, at: "--seed", "expects an integer in 0...\(UInt64.max), got '\(text)'")
        }
        return value
    }
}
