import Foundation

/// `solver.precision` (or `--precision`) resolved for this machine and this network: the
/// precision the products really run in, and the one line the log starts with when the
/// user should know why.
///
/// `auto` times the run's own network in both precisions before the first step and keeps
/// the faster; an explicit `bf16` that turns out slower still runs in bf16, and says so
/// with the ratio (on CPUs with AVX512_BF16 but no AMX, bf16 products can be slower than
/// float32 ones).
public struct PrecisionChoice: Sendable, Equatable {
    /// `fp32` or `bf16`: what the products run in.
    public var precision: Precision
    /// What to print once at the start, or nil when there is nothing to say.
    public var note: String?

    /// Milliseconds per training step in fp32 and in bf16, as measured.
    public struct Timing: Sendable, Equatable {
        public var fp32: Double
        public var bf16: Double
        public init(fp32: Double, bf16: Double) {
            self.fp32 = fp32
            self.bf16 = bf16
        }
        /// bf16's time as a multiple of fp32's: below 1 when bf16 is faster.
        public var ratio: Double { bf16 / fp32 }
    }

    public init(precision: Precision, note: String?) {
        self.precision = precision
        self.note = note
    }

    /// Resolves `requested`; `measure` is called only when bf16 is available and the
    /// choice depends on its speed (`auto` and `bf16`).
    public static func resolve(_ requested: Precision, bfloat16Available: Bool = Precision.bfloat16Supported,
                               measure: () throws -> Timing) rethrows -> PrecisionChoice {
        switch requested {
        case .fp32:
            return PrecisionChoice(precision: .fp32, note: nil)
        case .bf16 where !bfloat16Available:
            return PrecisionChoice(precision: .fp32, note: requested.fallbackNotice)
        case .auto where !bfloat16Available:
            return PrecisionChoice(precision: .fp32, note: "dnn: precision auto: fp32 (\(Precision.unavailableReason))")
        case .bf16:
            let timing = try measure()
            guard timing.ratio > 1 else { return PrecisionChoice(precision: .bf16, note: nil) }
            return PrecisionChoice(precision: .bf16, note: "dnn: note: precision bf16 is slower than fp32 on this CPU for "
                                   + "this network (\(describe(timing))); precision auto would choose fp32")
        case .auto:
            let timing = try measure()
            let precision: Precision = timing.ratio < 1 ? .bf16 : .fp32
            return PrecisionChoice(precision: precision, note: "dnn: precision auto: \(precision.rawValue) (\(describe(timing)))")
        }
    }

    /// "a step takes 1.38x as long in bf16: 6.9 ms against 5.0 ms in fp32".
    static func describe(_ timing: Timing) -> String {
        String(format: "a step takes %.2fx as long in bf16: %.3g ms against %.3g ms in fp32",
               timing.ratio, timing.bf16, timing.fp32)
    }
}
