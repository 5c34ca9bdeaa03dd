import Testing
@testable import DNN

/// Normalization: statistics against hand-computed values, the zero-std rule, and an
/// exact JSON round trip for checkpoint metadata.
@Suite struct NormalizationTests {
    @Test func standardizeMatchesHandComputedStatistics() throws {
        // Feature 0: 1, 2, 3, 6 → mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5.
        // Feature 1: 10, 10, 10, 10 → std 0, replaced by 1.
        let features: [Float] = [1, 10, 2, 10, 3, 10, 6, 10]
        let normalization = Normalization.fit(kind: NormalizeKind.standardize, features: features, featureCount: 2)
        guard case let .standardize(mean, std) = normalization else {
            Issue.record("expected standardize, got \(normalization)")
            return
        }
        #expect(mean == [3, 10])
        #expect(std == [Float(3.5.squareRoot()), 1])
        var x = features
        normalization.apply(to: &x, featureCount: 2)
        let s = Float(3.5.squareRoot())
        #expect(x == [-2 / s, 0, -1 / s, 0, 0, 0, 3 / s, 0])
    }

    @Test func scaleAndNone() {
        var x: [Float] = [0, 51, 255]
        Normalization.fit(kind: NormalizeKind.scale, features: x, featureCount: 3).apply(to: &x, featureCount: 3)
        #expect(x == [0, 0.2, 1])
        var y: [Float] = [3, 4]
        let none = Normalization.fit(kind: NormalizeKind.none, features: y, featureCount: 2)
        #expect(none == .none)
        none.apply(to: &y, featureCount: 2)
        #expect(y == [3, 4])
    }

    @Test func jsonRoundTripIsExact() throws {
        var random = RandomGenerator(seed: 3)
        let mean = (0..<300).map { _ in Float(random.uniform() - 0.5) * Float(1 << (random.next() % 40)) / 1e6 }
        let std = (0..<300).map { _ in Float(random.uniform() + 1e-3) * 1e-3 } + []
        let normalization = Normalization.standardize(mean: mean + [0.1, -0, 1e-30], std: std + [1, 3e38, 0.3])
        let back = try Normalization(jsonString: normalization.jsonString)
        guard case let .standardize(mean2, std2) = back, case let .standardize(mean1, std1) = normalization else {
            Issue.record("not standardize")
            return
        }
        #expect(mean2.map(\.bitPattern) == mean1.map(\.bitPattern))
        #expect(std2.map(\.bitPattern) == std1.map(\.bitPattern))
        #expect(try Normalization(jsonString: Normalization.scale.jsonString) == .scale)
        #expect(try Normalization(jsonString: Normalization.none.jsonString) == .none)
    }

    @Test(arguments: [
        ("not json", "is not a JSON object"),
        (#"[1]"#, "is not a JSON object"),
        (#"{"kind": 3}"#, "has no \"kind\" string"),
        (#"{"kind": "minmax"}"#, "unknown kind 'minmax' (expected none, scale, standardize or channels)"),
        (#"{"kind": "standardize", "mean": [1], "std": [1, 2]}"#, "\"mean\" has 1 values but \"std\" has 2"),
        (#"{"kind": "standardize", "mean": [1, "a"], "std": [1, 2]}"#, "\"mean\"[1] is not a finite number"),
        (#"{"kind": "standardize", "mean": [true], "std": [1]}"#, "\"mean\"[0] is not a finite number"),
        (#"{"kind": "standardize", "std": [1]}"#, "\"mean\" is not a list of numbers"),
        (#"{"kind": "standardize", "mean": [1], "std": [0]}"#, "\"std\"[0] is 0.0; it must be positive"),
    ])
    func malformedJSONIsRejected(text: String, message: String) throws {
        let error = try #require(dataTestError { try Normalization(jsonString: text) })
        #expect(error.kind == .checkpoint)
        #expect(error.location == "metadata.normalization")
        #expect(error.message == message)
    }
}
