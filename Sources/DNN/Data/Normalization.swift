/// How input features are scaled before they reach the model, fitted on the training
/// split only and stored with the model so `dnn eval` applies the very same transform.
public enum Normalization: Equatable, Sendable {
    /// Features as they are.
    case none
    /// x / 255, for image bytes.
    case scale
    /// (x - mean[j]) / std[j] per feature j, with the training set's statistics.
    case standardize(mean: [Float], std: [Float])
    /// (x / 255 - mean[c]) / std[c] per channel c of [C, H, W] samples: torchvision's
    /// `ToTensor()` then `Normalize(mean, std)`, fixed in the config rather than fitted.
    case channels(mean: [Float], std: [Float])

    /// Fits a normalisation of the given kind to the training features.
    ///
    /// - Parameters:
    ///   - kind: `data.normalize`'s kind.
    ///   - features: [rows, featureCount], row-major.
    /// Statistics are computed in Double, the std is the population std (dividing by N),
    /// and a feature whose std is below 1e-12 gets std 1, so it maps to 0 (its mean is
    /// subtracted) and never divides by zero.
    public static func fit(kind: NormalizeKind, features: [Float], featureCount: Int) -> Normalization {
        switch kind {
        case .scale: return .scale
        case .standardize: break
        // Per-channel statistics come from the config, not the data (`fit(_:channels:storage:featureCount:)`).
        case .none, .channels: return .none
        }
        let rows = featureCount > 0 ? features.count / featureCount : 0
        return features.withUnsafeBufferPointer { x in
            standardize(rows: rows, featureCount: featureCount) { x.baseAddress! + $0 * featureCount }
        }
    }

    /// Standardize's statistics of `rows` rows of `featureCount` floats, row r at `row(r)`
    /// (a float table's rows, or the rows a `MappedFloats` selects).
    static func standardize(rows: Int, featureCount: Int, row: (Int) -> UnsafePointer<Float>) -> Normalization {
        var mean = [Double](repeating: 0, count: featureCount)
        var squares = [Double](repeating: 0, count: featureCount)
        mean.withUnsafeMutableBufferPointer { mean in
            for r in 0..<rows {
                let values = row(r)
                for j in 0..<featureCount { mean[j] += Double(values[j]) }
            }
            for j in 0..<featureCount { mean[j] /= Double(max(rows, 1)) }
            // A second pass over (x - mean)^2: no cancellation as in E[x^2] - E[x]^2.
            squares.withUnsafeMutableBufferPointer { squares in
                for r in 0..<rows {
                    let values = row(r)
                    for j in 0..<featureCount {
                        let d = Double(values[j]) - mean[j]
                        squares[j] += d * d
                    }
                }
            }
        }
        let std = squares.map { sum -> Float in
            let deviation = rows > 0 ? (sum / Double(rows)).squareRoot() : 0
            return deviation < 1e-12 ? 1 : Float(deviation)
        }
        return .standardize(mean: mean.map { Float($0) }, std: std)
    }

    /// Fits `data.normalize_target`'s kind to the target columns, as `fit` fits features.
    public static func fit(kind: NormalizeTargetKind, features: [Float], featureCount: Int) -> Normalization {
        fit(kind: kind == .standardize ? NormalizeKind.standardize : NormalizeKind.none, features: features,
            featureCount: featureCount)
    }

    /// Applies the normalisation in place to features [rows, featureCount].
    public func apply(to features: inout [Float], featureCount: Int) {
        switch self {
        case .none:
            return
        case .scale:
            features.withUnsafeMutableBufferPointer { x in
                for i in x.indices { x[i] /= 255 }
            }
        case let .standardize(mean, std):
            guard featureCount > 0, mean.count == featureCount, std.count == featureCount else { return }
            let rows = features.count / featureCount
            features.withUnsafeMutableBufferPointer { x in
                mean.withUnsafeBufferPointer { mean in
                    std.withUnsafeBufferPointer { std in
                        for r in 0..<rows {
                            let row = x.baseAddress! + r * featureCount
                            for j in 0..<featureCount { row[j] = (row[j] - mean[j]) / std[j] }
                        }
                    }
                }
            }
        case let .channels(mean, std):
            guard featureCount > 0, !mean.isEmpty, featureCount % mean.count == 0 else { return }
            let plane = featureCount / mean.count
            features.withUnsafeMutableBufferPointer { x in
                for i in x.indices {
                    let c = (i % featureCount) / plane
                    x[i] = (x[i] / 255 - mean[c]) / std[c]
                }
            }
        }
    }

    /// The affine map from normalised values back to the original ones, per column j:
    /// `x = z · scale[j] + offset[j]` (std and mean for standardize, 255 and 0 for scale,
    /// 1 and 0 for none): how predicted targets return to the data's units.
    public func inverse(columns: Int) -> (scale: [Double], offset: [Double]) {
        switch self {
        case .none: return (Array(repeating: 1, count: columns), Array(repeating: 0, count: columns))
        case .scale: return (Array(repeating: 255, count: columns), Array(repeating: 0, count: columns))
        case let .standardize(mean, std): return (std.map(Double.init), mean.map(Double.init))
        case let .channels(mean, std): return (std.map { Double($0) * 255 }, mean.map { Double($0) * 255 })
        }
    }

    /// The normalisation as JSON for checkpoint metadata: `{"kind": "none"}`,
    /// `{"kind": "scale"}` or `{"kind": "standardize", "mean": [...], "std": [...]}`.
    ///
    /// Each Float is written as the shortest decimal of its exact Double value, which reads
    /// back to the same Float even through a JSON parser that is a few ulps off in Double.
    public var jsonString: String {
        let json: JSON
        switch self {
        case .none: json = ["kind": "none"]
        case .scale: json = ["kind": "scale"]
        case let .standardize(mean, std):
            // A non-finite value (never fitted) is written as null and refused when read.
            json = ["kind": "standardize", "mean": .array(mean.map { .number(Double($0)) }),
                    "std": .array(std.map { .number(Double($0)) })]
        case let .channels(mean, std):
            json = ["kind": "channels", "mean": .array(mean.map { .number(Double($0)) }),
                    "std": .array(std.map { .number(Double($0)) })]
        }
        return json.serialized(pretty: false)
    }

    /// Reads the normalisation back from `jsonString`'s format.
    ///
    /// - Throws: `DNNError(.checkpoint, at: "metadata.normalization", ...)` when the text is
    ///   not such a JSON object: an unknown kind, missing or non-numeric statistics, lists of
    ///   different lengths, or a std that is not a positive finite number.
    public init(jsonString: String) throws {
        func fail(_ message: String) -> DNNError {
            DNNError(.checkpoint, at: "metadata.normalization", message)
        }
        guard let object = try? JSON.parse(jsonString, file: "metadata.normalization"), object.object != nil else {
            throw fail("is not a JSON object")
        }
        guard let kind = object["kind"]?.stringValue else { throw fail("has no \"kind\" string") }
        switch kind {
        case "none":
            self = .none
        case "scale":
            self = .scale
        case "standardize", "channels":
            func floats(_ key: String) throws -> [Float] {
                guard let list = object[key]?.array else { throw fail("\"\(key)\" is not a list of numbers") }
                return try list.enumerated().map { index, item in
                    guard let value = item.double, case let float = Float(value), float.isFinite else {
                        throw fail("\"\(key)\"[\(index)] is not a finite number")
                    }
                    return float
                }
            }
            let mean = try floats("mean"), std = try floats("std")
            guard mean.count == std.count else {
                throw fail("\"mean\" has \(mean.count) values but \"std\" has \(std.count)")
            }
            if let bad = std.firstIndex(where: { !($0 > 0) }) {
                throw fail("\"std\"[\(bad)] is \(std[bad]); it must be positive")
            }
            self = kind == "channels" ? .channels(mean: mean, std: std) : .standardize(mean: mean, std: std)
        default:
            throw fail("unknown kind '\(kind)' (expected none, scale, standardize or channels)")
        }
    }
}
