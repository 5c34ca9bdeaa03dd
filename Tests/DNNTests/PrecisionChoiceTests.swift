import Testing
@testable import DNN

/// `precision: "auto"` keeps the faster of fp32 and bf16, and an explicit bf16 that is
/// slower says so with the ratio.
@Suite struct PrecisionChoiceTests {
    static let bf16Faster = PrecisionChoice.Timing(fp32: 10, bf16: 8)
    static let bf16Slower = PrecisionChoice.Timing(fp32: 10, bf16: 14)

    @Test func autoKeepsTheFasterPrecisionAndSaysWhich() {
        let faster = PrecisionChoice.resolve(.auto, bfloat16Available: true) { Self.bf16Faster }
        #expect(faster.precision == .bf16)
        #expect(faster.note == "dnn: precision auto: bf16 (a step takes 0.80x as long in bf16: 8 ms against 10 ms in fp32)")
        let slower = PrecisionChoice.resolve(.auto, bfloat16Available: true) { Self.bf16Slower }
        #expect(slower.precision == .fp32)
        #expect(slower.note?.contains("1.40x") == true)
    }

    @Test func anExplicitBF16RunsInBF16AndWarnsOnlyWhenSlower() {
        let slower = PrecisionChoice.resolve(.bf16, bfloat16Available: true) { Self.bf16Slower }
        #expect(slower.precision == .bf16)
        #expect(slower.note?.hasPrefix("dnn: note: precision bf16 is slower than fp32") == true)
        #expect(slower.note?.contains("1.40x as long in bf16: 14 ms against 10 ms") == true)
        let faster = PrecisionChoice.resolve(.bf16, bfloat16Available: true) { Self.bf16Faster }
        #expect(faster == PrecisionChoice(precision: .bf16, note: nil))
    }

    @Test func nothingIsTimedWhenTheChoiceIsKnown() {
        var timed = 0
        func measure() -> PrecisionChoice.Timing { timed += 1; return Self.bf16Faster }
        #expect(PrecisionChoice.resolve(.fp32, bfloat16Available: true, measure: measure) == PrecisionChoice(precision: .fp32, note: nil))
        let unavailable = PrecisionChoice.resolve(.auto, bfloat16Available: false, measure: measure)
        #expect(unavailable.precision == .fp32 && unavailable.note?.hasPrefix("dnn: precision auto: fp32 (") == true)
        #expect(PrecisionChoice.resolve(.bf16, bfloat16Available: false, measure: measure).precision == .fp32)
        #expect(timed == 0)
    }

    @Test func theTimingMeasuresBothPrecisionsOfTheRunsOwnNetwork() throws {
        let layers: [LayerSpec] = [.linear(out: 64, bias: true, init: .he), .activation(.relu), .linear(out: 3, bias: true, init: .he)]
        let timing = try Benchmark.precisionTiming(layers: layers, inputShape: [32], batchSize: 16, threads: 1)
        #expect(timing.fp32 > 0 && timing.fp32.isFinite && timing.bf16 > 0 && timing.bf16.isFinite)
    }
}
