import Foundation

/// Training progress for people: on a terminal, a bar redrawn in place on stderr (batch
/// i/n, running loss and accuracy, samples/s, time left), one line per epoch; in a pipe,
/// a file or CI, plain lines at `print_every` and per epoch, never a carriage return;
/// nothing with `--quiet`. Colour only on a terminal, and never when `NO_COLOR` is set.
public final class ProgressReporter: TrainingObserver {
    public enum Style: Sendable, Equatable {
        /// A bar redrawn in place; `colors` adds ANSI colour.
        case terminal(colors: Bool)
        /// Plain lines only.
        case lines
        /// Nothing.
        case quiet
    }

    public let style: Style
    /// Receives the text to write (to stderr), newlines and carriage returns included.
    private let write: (String) -> Void
    private var lastDraw = Date.distantPast
    private var barShown = false
    /// The best monitored value so far (in the monitor's direction), for the highlight.
    private var bestMonitored: Double?
    /// Bars are redrawn at most this often.
    private static let redrawInterval = 0.1

    public init(style: Style, write: @escaping (String) -> Void) {
        self.style = style
        self.write = write
    }

    /// The style for stderr: a bar when it is a terminal (not `TERM=dumb`), colour unless
    /// `NO_COLOR` is set, plain lines otherwise.
    public static func styleForStandardError(quiet: Bool, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Style {
        if quiet { return .quiet }
        guard isatty(2) == 1, environment["TERM"] != "dumb" else { return .lines }
        return .terminal(colors: environment["NO_COLOR"].map(\.isEmpty) ?? true)
    }

    public func iteration(_ p: IterationProgress) {
        switch style {
        case .quiet:
            return
        case .lines:
            guard p.lineDue else { return }
            write("epoch \(p.epoch) iter \(p.iteration)/\(p.iterations)  loss \(Self.fixed(p.loss, 4))  "
                + (p.accuracy.map { "acc \(Self.fixed($0, 4))  " } ?? "") + "\(Self.grouped(p.samplesPerSecond)) samples/s\n")
        case .terminal:
            let now = Date()
            guard p.iteration == p.iterations || now.timeIntervalSince(lastDraw) >= Self.redrawInterval else { return }
            lastDraw = now
            write("\r\u{1B}[K" + bar(p))
            barShown = true
        }
    }

    public func epochEnded(_ m: EpochMetrics, totalEpochs: Int) {
        guard style != .quiet else { return }
        var line = paint("epoch \(m.epoch)/\(totalEpochs)", "1") + "  train_loss \(Self.fixed(m.trainLoss, 4))"
            + (m.trainAccuracy.map { "  train_acc \(Self.fixed($0, 4))" } ?? "")
        if let loss = m.validationLoss {
            var validation = "val_loss \(Self.fixed(loss, 4))"
            if let accuracy = m.validationAccuracy { validation += "  val_acc \(Self.fixed(accuracy, 4))" }
            if let errors = m.validationErrors {
                validation += "  val_rmse \(Self.significant(errors.rmse))  val_r2 \(Self.fixed(errors.r2, 4))"
            }
            line += "  " + paint(validation, improved(m) ? "32" : "0")
        }
        line += "  lr \(m.learningRate)  \(Self.grouped(m.samplesPerSecond)) samples/s  \(Self.fixed(m.seconds, 2))s"
        clearBar()
        write(line + "\n")
    }

    /// Whether this epoch's monitored value is the best so far (what `best.safetensors` follows).
    private func improved(_ m: EpochMetrics) -> Bool {
        guard let value = m.monitoredValue, !value.isNaN else { return false }
        let better = bestMonitored.map { m.monitor.higherIsBetter ? value > $0 : value < $0 } ?? true
        if better { bestMonitored = value }
        return better
    }

    public func note(_ message: String) {
        guard style != .quiet else { return }
        clearBar()
        write(message + "\n")
    }

    /// The end-of-run summary: best epoch, best validation accuracy, time, checkpoints;
    /// `colors` when it goes to a terminal.
    public func summary(_ s: TrainingSummary, colors: Bool) -> String {
        func paint(_ text: String) -> String { colors ? "\u{1B}[1;32m\(text)\u{1B}[0m" : text }
        var lines: [String] = []
        let time = s.seconds < 60 ? Self.fixed(s.seconds, 1) + "s" : Self.duration(s.seconds)
        var head = "done: \(s.epochsCompleted) epoch\(s.epochsCompleted == 1 ? "" : "s") in \(time)"
        if s.stoppedEarly { head += " (stopped early)" }
        lines.append(head)
        if let value = s.bestValue {
            lines.append("best: epoch \(s.bestEpoch), \(s.monitor.rawValue) " + paint(Self.fixed(value, 4)))
        }
        lines.append("checkpoints: \(s.runDirectory)/best.safetensors (epoch \(s.bestEpoch)), "
            + "\(s.runDirectory)/last.safetensors (epoch \(s.epochsCompleted))")
        return lines.joined(separator: "\n")
    }

    private func bar(_ p: IterationProgress) -> String {
        let width = 24
        let filled = p.iterations == 0 ? width : width * p.iteration / p.iterations
        let body = String(repeating: "=", count: Swift.max(0, filled - 1)) + (filled > 0 ? (filled == width ? "=" : ">") : "")
            + String(repeating: " ", count: width - filled)
        return paint("epoch \(p.epoch)/\(p.totalEpochs)", "1") + " [\(body)] \(p.iteration)/\(p.iterations)"
            + "  loss \(Self.fixed(p.loss, 4))" + (p.accuracy.map { "  acc \(Self.fixed($0, 4))" } ?? "")
            + "  \(Self.grouped(p.samplesPerSecond)) samples/s  ETA \(Self.duration(p.epochSecondsLeft))"
    }

    private func clearBar() {
        if barShown {
            write("\r\u{1B}[K")
            barShown = false
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        guard case .terminal(colors: true) = style, code != "0" else { return text }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    /// Four significant digits: errors in a target's own units may be large or small.
    static func significant(_ value: Double) -> String { String(format: "%.4g", value) }

    /// 12,345.
    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.isFinite ? value.rounded() : 0))
        var result = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 && character != "-" { result.append(",") }
            result.append(character)
        }
        return String(result.reversed())
    }

    /// 0:07, 1:05:30.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.isFinite ? seconds.rounded() : 0)
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
