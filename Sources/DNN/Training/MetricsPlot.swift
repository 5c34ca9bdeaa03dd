import Foundation

/// Training curves as an SVG that any browser shows: loss (left) and accuracy (right;
/// validation RMSE for regression runs) per epoch, training solid and validation dashed,
/// one colour per run, the best validation epoch of each run marked. Several runs overlay
/// for comparison.
public enum MetricsPlot {
    /// One run: its name (the folder) and its `metrics.jsonl` rows.
    public struct Run: Sendable {
        public var name: String
        public var rows: [JSON]
        public init(name: String, rows: [JSON]) {
            self.name = name
            self.rows = rows
        }

        /// Reads `directory/metrics.jsonl`.
        public init(directory: String) throws {
            let path = directory + "/metrics.jsonl"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DNNError(.io, at: path, "cannot read the run's metrics (is \(directory) a run directory?)")
            }
            var rows: [JSON] = []
            for (index, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
                rows.append(try JSON.parse(String(line), file: "\(path):\(index + 1)"))
            }
            guard !rows.isEmpty else { throw DNNError(.data, at: path, "holds no epochs yet") }
            self.init(name: URL(fileURLWithPath: directory).standardized.lastPathComponent, rows: rows)
        }

        func points(_ key: String) -> [(x: Double, y: Double)] {
            rows.compactMap { row in
                guard let epoch = row["epoch"]?.double, let value = row[key]?.double, value.isFinite else { return nil }
                return (epoch, value)
            }
        }

        /// The epoch with the best validation value of `metric` (earliest on ties).
        func best(_ metric: Metric) -> (x: Double, y: Double)? {
            points(metric.validationKey).reduce(nil) { best, point in
                best.map { (metric.higherIsBetter ? point.y > $0.y : point.y < $0.y) ? point : $0 } ?? point
            }
        }
    }

    /// What the right panel shows: accuracy, or for regression runs (whose rows carry
    /// `val_rmse`) the validation RMSE in the target's units.
    struct Metric {
        var trainingKey: String
        var validationKey: String
        var label: String
        var higherIsBetter: Bool
        static let accuracy = Metric(trainingKey: "train_accuracy", validationKey: "val_accuracy", label: "accuracy",
                                     higherIsBetter: true)
        static let rmse = Metric(trainingKey: "train_rmse", validationKey: "val_rmse", label: "RMSE", higherIsBetter: false)

        static func of(_ runs: [Run]) -> Metric {
            runs.contains { !$0.points(rmse.validationKey).isEmpty } ? rmse : accuracy
        }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                          "#bcbd22", "#7f7f7f"]
    static let width = 1000.0
    /// The plot area's height; the legend below grows with the number of runs.
    static let plotHeight = 350.0
    /// Beyond this many runs, best-epoch values move from the plot into the legend.
    static let labelledRuns = 2

    /// The SVG document.
    public static func svg(_ runs: [Run], title: String? = nil) -> String {
        var body: [String] = []
        let metric = Metric.of(runs)
        let (legendMarkup, legendHeight) = legend(runs, metric: metric)
        let height = plotHeight + legendHeight
        let panelWidth = (width - 40) / 2
        body.append(panel(runs, keys: ("train_loss", "val_loss"), label: "loss", x: 0, width: panelWidth, metric: nil))
        body.append(panel(runs, keys: (metric.trainingKey, metric.validationKey), label: metric.label, x: panelWidth + 40,
                          width: panelWidth, metric: metric))
        body.append(legendMarkup)
        let heading = title ?? (runs.count <= 3 ? runs.map(\.name).joined(separator: " vs ") : "\(runs.count) runs")
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(width / 2))" y="22" text-anchor="middle" font-size="16" font-weight="bold">\(escape(heading))</text>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// - Parameter metric: the right panel's metric, whose best epochs are marked; nil for loss.
    private static func panel(_ runs: [Run], keys: (String, String), label: String, x: Double, width: Double,
                              metric: Metric?) -> String {
        let accuracy = metric?.label == Metric.accuracy.label
        let left = x + 60, right = x + width - 10, top = 40.0, bottom = plotHeight - 50
        let all = runs.flatMap { $0.points(keys.0) + $0.points(keys.1) }
        let maxEpoch = Swift.max(1, runs.flatMap { $0.rows.compactMap { $0["epoch"]?.double } }.max() ?? 1)
        var low = all.map(\.y).min() ?? 0, high = all.map(\.y).max() ?? 1
        if accuracy { high = Swift.max(high, low + 1e-3); high = Swift.min(1, high) } else { low = Swift.min(0, low) }
        if high - low < 1e-9 { high = low + 1 }
        let yTicks = ticks(low, high)
        let (yMin, yMax) = (yTicks.first ?? low, yTicks.last ?? high)
        let xTicks = ticks(1, maxEpoch, integers: true).filter { $0 >= 1 }
        let xMax = Swift.max(maxEpoch, xTicks.last ?? maxEpoch)
        func px(_ epoch: Double) -> Double { xMax <= 1 ? (left + right) / 2 : left + (epoch - 1) / (xMax - 1) * (right - left) }
        func py(_ value: Double) -> Double { bottom - (value - yMin) / (yMax - yMin) * (bottom - top) }
        var out: [String] = ["<g class=\"panel\" data-metric=\"\(label)\">"]
        for tick in yTicks {
            out.append(line(left, py(tick), right, py(tick), stroke: "#e5e5e5"))
            out.append(text(left - 6, py(tick) + 4, format(tick), anchor: "end"))
        }
        for tick in xTicks {
            out.append(line(px(tick), bottom, px(tick), bottom + 5, stroke: "#333"))
            out.append(text(px(tick), bottom + 18, String(Int(tick)), anchor: "middle"))
        }
        out.append(line(left, bottom, right, bottom, stroke: "#333"))
        out.append(line(left, top, left, bottom, stroke: "#333"))
        out.append(text((left + right) / 2, bottom + 34, "epoch", anchor: "middle"))
        out.append("<text x=\"\(f(x + 16))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(x + 16)) \(f((top + bottom) / 2)))\">\(label)</text>")
        for (index, run) in runs.enumerated() {
            let color = palette[index % palette.count]
            for (key, dashed) in [(keys.0, false), (keys.1, true)] {
                let points = run.points(key)
                guard !points.isEmpty else { continue }
                let coordinates = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                out.append("<polyline class=\"series\" data-run=\"\(escape(run.name))\" data-series=\"\(key)\" fill=\"none\" "
                    + "stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(coordinates)\"/>")
                for point in points where points.count <= 40 && runs.count <= labelledRuns {
                    out.append("<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"2.5\" fill=\"\(color)\"/>")
                }
            }
            if let metric, let best = run.best(metric) {
                out.append("<circle class=\"best\" data-run=\"\(escape(run.name))\" cx=\"\(f(px(best.x)))\" cy=\"\(f(py(best.y)))\" "
                    + "r=\"6\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>")
                // The label sits on the side of the marker that has room, one line per run;
                // with many runs the legend names the best epochs instead.
                if runs.count <= labelledRuns {
                    let onRight = px(best.x) < (left + right) / 2
                    out.append(text(px(best.x) + (onRight ? 10 : -10), py(best.y) + 16 + Double(index) * 14,
                                    "best \(String(format: "%.4f", best.y)) @ \(Int(best.x))",
                                    anchor: onRight ? "start" : "end", color: color))
                }
            }
        }
        out.append("</g>")
        return out.joined(separator: "\n")
    }

    /// The legend's markup and height: entries flow left to right and wrap onto further
    /// rows; with many runs each validation entry also names its best epoch.
    private static func legend(_ runs: [Run], metric: Metric) -> (String, Double) {
        var out = ["<g class=\"legend\">"]
        var entries: [(caption: String, color: String, dashed: Bool, marker: Bool)] = []
        for (index, run) in runs.enumerated() {
            let color = palette[index % palette.count]
            entries.append((runs.count > 1 ? "\(run.name) train" : "train", color, false, false))
            var caption = runs.count > 1 ? "\(run.name) validation" : "validation"
            if runs.count > labelledRuns, let best = run.best(metric) {
                caption += " (best \(String(format: "%.4f", best.y)) @ \(Int(best.x)))"
            }
            entries.append((caption, color, true, false))
        }
        entries.append(("best validation \(metric.label)", "#333", false, true))
        var x = 60.0, y = plotHeight + 6
        for entry in entries {
            let entryWidth = 48 + Double(entry.caption.count) * 7
            if x + entryWidth > width - 20 {
                x = 60
                y += 18
            }
            if entry.marker {
                out.append("<circle cx=\"\(f(x + 14))\" cy=\"\(f(y - 4))\" r=\"6\" fill=\"none\" stroke=\"\(entry.color)\" stroke-width=\"2\"/>")
            } else {
                out.append("<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 28))\" y2=\"\(f(y - 4))\" "
                    + "stroke=\"\(entry.color)\" stroke-width=\"2\"\(entry.dashed ? " stroke-dasharray=\"6 4\"" : "")/>")
            }
            out.append(text(x + 34, y, entry.caption, anchor: "start"))
            x += entryWidth
        }
        out.append("</g>")
        return (out.joined(separator: "\n"), y - plotHeight + 16)
    }

    /// About five round tick values covering [low, high] (steps of 1, 2 or 5 × 10ⁿ).
    static func ticks(_ low: Double, _ high: Double, integers: Bool = false) -> [Double] {
        let span = Swift.max(high - low, 1e-12)
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if integers { step = Swift.max(1, step.rounded(.up)) }
        let first = floor(low / step) * step, last = ceil(high / step) * step
        return stride(from: first, through: last + step / 2, by: step).map { ($0 / step).rounded() * step }
    }

    private static func format(_ value: Double) -> String {
        abs(value) >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.3g", value)
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\"/>"
    }

    /// Text with a white halo, so that labels stay legible over the curves.
    private static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, color: String = "#222") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" fill=\"\(color)\" stroke=\"white\" "
            + "stroke-width=\"3\" paint-order=\"stroke\">\(escape(content))</text>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
