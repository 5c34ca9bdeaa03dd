import DNN
import Foundation

/// What `dnn bench` prints: a line per measurement and, with `--precision both`, a line
/// per fp32/bf16 pair with bf16's rate over fp32's (above 1x: bf16 pays on this CPU, the
/// question `precision: "auto"` answers for one run). `--json` gathers both into one
/// object, `{"results": [...], "ratios": [...]}`, printed by `printJSON`.
final class BenchReport {
    let threads: Int
    let json: Bool
    private var results: [JSON] = []
    private var ratios: [JSON] = []
    /// The fp32 rate of each row whose bf16 rate comes next, by kind and name.
    private var fp32Rates: [String: Double] = [:]

    init(threads: Int, json: Bool) {
        self.threads = threads
        self.json = json
    }

    /// One measurement: `value` `unit` (a rate: more is faster) of row `name` of `kind`
    /// (gemm, train, infer, augment), with products in `precision`.
    func add(_ kind: String, _ name: String, _ value: Double, _ unit: String, _ precision: Precision) {
        results.append(["kind": .string(kind), "name": .string(name), "value": .number(value), "unit": .string(unit),
                        "threads": .integer(threads), "precision": .string(precision.rawValue)])
        if !json {
            line(kind, name + (precision == .fp32 ? "" : " \(precision.rawValue)"), String(format: "%12.1f %@", value, unit))
        }
        let key = kind + "\u{0}" + name
        if precision == .fp32 {
            fp32Rates[key] = value
        } else if precision == .bf16, let fp32 = fp32Rates.removeValue(forKey: key), fp32 > 0 {
            addRatio(kind, name, value / fp32)
        }
    }

    /// The pair's line, `train   mnist_mlp batch 64 bf16/fp32   0.74x`, after its two rows.
    private func addRatio(_ kind: String, _ name: String, _ ratio: Double) {
        ratios.append(["kind": .string(kind), "name": .string(name), "bf16_over_fp32": .number(ratio),
                       "threads": .integer(threads)])
        if !json { line(kind, name + " bf16/fp32", String(format: "%12.2fx", ratio)) }
    }

    /// `kind` and `label` in columns of 8 and 44 characters (a longer label pushes the
    /// figure right rather than losing its end), then `figure`.
    private func line(_ kind: String, _ label: String, _ figure: String) {
        func column(_ text: String, _ width: Int) -> String {
            text.count < width ? text.padding(toLength: width, withPad: " ", startingAt: 0) : text + " "
        }
        Console.out(column(kind, 8) + column(label, 44) + figure)
    }

    /// The whole run as one JSON object (`--json`), once every row is in.
    func printJSON() {
        Console.out(JSON.object([("results", .array(results)), ("ratios", .array(ratios))]).serialized(pretty: false))
    }
}
