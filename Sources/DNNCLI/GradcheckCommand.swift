import DNN
import Foundation

/// `dnn gradcheck CONFIG.json [--reg R[,R...]] [--json]`.
enum GradcheckCommand {
    static let options = [
        OptionSpec(name: "--reg", takesValue: true), OptionSpec(name: "--batch", takesValue: true),
        OptionSpec(name: "--entries", takesValue: true), OptionSpec(name: "--seed", takesValue: true),
        OptionSpec(name: "--set", takesValue: true, repeatable: true), OptionSpec(name: "--threads", takesValue: true),
        OptionSpec(name: "--json", takesValue: false), OptionSpec(name: "--perturb", takesValue: true),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "gradcheck")
        let path = try parsed.positionals(["CONFIG.json"], required: 1, command: "gradcheck")[0]
        let regs = try parseRegs(parsed.value("--reg") ?? "0,3.14")
        let batchSize = try parsed.integer("--batch", in: 2...4096) ?? 4
        let maxEntries = try parsed.integer("--entries", in: 1...Int.max) ?? 40
        let threads = try parsed.integer("--threads", in: 1...1024) ?? 1
        let loaded = try Config.load(path: path, overrides: parsed.all("--set"))
        let config = loaded.config
        let seed = try parsed.integer("--seed", in: 0...Int.max).map(UInt64.init) ?? config.seed
        let inputShape = try config.model.inputShape ?? RawData.load(config).inputShape

        var random = RandomGenerator(seed: seed)
        let network: Sequential<Double> = try NetworkBuilder.build(config.model.layers, inputShape: inputShape,
                                                                   random: &random)
        guard network.outputShape.count == 1 else {
            throw DNNError.config("model.layers[\(config.model.layers.count - 1)]",
                                  "the network outputs \(network.outputShape) per sample, but the loss needs one value per class or target")
        }
        let classCount = network.outputShape[0]
        let input = Tensor<Double>(shape: [batchSize] + inputShape,
                                   values: (0..<(batchSize * inputShape.reduce(1, *))).map { _ in random.normal() })
        let labels = (0..<batchSize).map { _ in Int32(random.integer(below: classCount)) }
        // Regression: standard normal targets, as standardised targets are.
        let targetValues = config.loss.isRegression ? (0..<(batchSize * classCount)).map { _ in random.normal() } : []
        if let name = parsed.value("--perturb"), !network.parameters.contains(where: { $0.name == name }) {
            throw DNNError(.usage, at: "--perturb \(name)", "is not a parameter of this network",
                           hint: "parameters: \(network.parameters.map(\.name).joined(separator: ", "))")
        }
        // "balanced" class weights come from the check's random labels and one row of each
        // class (so that no class is empty): any positive weights exercise the same code.
        let loss = try config.resolvingClassWeights(labels: labels + (0..<Int32(classCount)), classCount: classCount).loss
        let (initialLoss, checks) = GradientCheck.network(
            network, input: input, labels: labels, targetValues: targetValues, regs: regs, maxEntries: maxEntries, seed: seed,
            perturb: parsed.value("--perturb"), loss: loss, compute: Compute(threads: threads))
        let expected = config.loss.isRegression ? nil : Foundation.log(Double(classCount))
        let failed = checks.filter { !$0.passed }
        if parsed.flag("--json") {
            let json: JSON = [
                "initial_loss": .number(initialLoss), "expected_loss": expected.map(JSON.number) ?? .null,
                "tolerance": .number(GradientCheck.tolerance), "passed": .bool(failed.isEmpty),
                "checks": .array(checks.map {
                    ["reg": .number($0.reg), "param": .string($0.name), "relative_error": .number($0.relativeError),
                     "entries": .integer($0.checkedEntries), "skipped_at_kinks": .integer($0.skippedEntries),
                     "size": .integer($0.size), "passed": .bool($0.passed)]
                }),
            ]
            Console.out(json.serialized(pretty: false))
        } else {
            for warning in loaded.warnings { Console.error("dnn: warning: \(warning)") }
            printReport(checks, initialLoss: initialLoss, classCount: expected == nil ? nil : classCount,
                        batchSize: batchSize)
        }
        return failed.isEmpty ? 0 : 1
    }

    /// One line per checked tensor and a verdict; `classCount` nil for regression.
    static func printReport(_ checks: [GradientCheck.Check], initialLoss: Double, classCount: Int?, batchSize: Int) {
        let failed = checks.filter { !$0.passed }
        let uniform = classCount.map { "ln \($0) = \(Console.format(Foundation.log(Double($0)), 4)) for uniform scores; " }
        Console.out("initial loss \(Console.format(initialLoss, 4))  (\(uniform ?? "standard normal targets; ")"
            + "batch of \(batchSize), double precision)")
        let width = max(12, (checks.map(\.name.count).max() ?? 0) + 2)
        Console.out("param".padding(toLength: width, withPad: " ", startingAt: 0) + "reg       relative error   entries")
        for check in checks {
            Console.out(check.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "%-9g %-16.3e %d/%d", check.reg, check.relativeError, check.checkedEntries, check.size)
                + (check.skippedEntries > 0 ? " (\(check.skippedEntries) skipped at kinks)" : "")
                + (check.passed ? "" : "   FAIL"))
        }
        Console.out(failed.isEmpty
            ? "passed: every relative error is below \(GradientCheck.tolerance)"
            : "failed: \(failed.count) of \(checks.count) checks at or above \(GradientCheck.tolerance): "
                + Set(failed.map(\.name)).sorted().joined(separator: ", "))
        }

    static func parseRegs(_ text: String) throws -> [Double] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else {
            throw DNNError(.usage, at: "--reg \(text)", "expects non-negative numbers separated by commas, e.g. 0,3.14")
        }
        return values.compactMap { $0 }
    }
}
