/// An allowed interval for a number, worded as the contract words ranges:
/// `must be in [0, 1), got 1.5`, `must be at least 1, got -2`.
enum ConfigRange {
    case any
    case atLeast(Double)
    case greaterThan(Double)
    /// [lower, upper)
    case halfOpen(Double, Double)
    /// [lower, upper]
    case closed(Double, Double)
    /// (lower, upper)
    case open(Double, Double)
    /// (lower, upper]
    case openClosed(Double, Double)

    func contains(_ value: Double) -> Bool {
        switch self {
        case .any: true
        case .atLeast(let lower): value >= lower
        case .greaterThan(let lower): value > lower
        case .halfOpen(let lower, let upper): value >= lower && value < upper
        case .closed(let lower, let upper): value >= lower && value <= upper
        case .open(let lower, let upper): value > lower && value < upper
        case .openClosed(let lower, let upper): value > lower && value <= upper
        }
    }

    /// "must be in [0, 1)".
    var requirement: String {
        switch self {
        case .any: "must be a finite number"
        case .atLeast(let lower): "must be at least \(Self.format(lower))"
        case .greaterThan(let lower): "must be greater than \(Self.format(lower))"
        case .halfOpen(let lower, let upper): "must be in [\(Self.format(lower)), \(Self.format(upper)))"
        case .closed(let lower, let upper): "must be in [\(Self.format(lower)), \(Self.format(upper))]"
        case .open(let lower, let upper): "must be in (\(Self.format(lower)), \(Self.format(upper)))"
        case .openClosed(let lower, let upper): "must be in (\(Self.format(lower)), \(Self.format(upper))]"
        }
    }

    /// 0 and 1 rather than 0.0 and 1.0.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return value.description
    }
}

/// Typed reads of single JSON values at a path, shared by object keys and array
/// elements (`kernel[1]`, `input_shape[0]`).
enum ConfigValue {
    /// An integer (written without fraction or exponent) of at least `minimum`.
    static func int(_ value: JSON, at path: String, minimum: Int) throws -> Int {
        let expected = switch minimum {
        case 1: "a positive integer"
        case 0: "a non-negative integer"
        default: "an integer"
        }
        guard case .number(_, let text) = value, JSON.isIntegerText(text) else {
            throw DNNError.config(path, "expected \(expected), got \(value.quotedForMessage)")
        }
        guard let integer = Int(text) else {
            let bound = text.hasPrefix("-") ? "at least \(Int.min)" : "at most \(Int.max)"
            throw DNNError.config(path, "must be \(bound), got \(text)")
        }
        guard integer >= minimum else {
            throw DNNError.config(path, "must be at least \(minimum), got \(text)")
        }
        return integer
    }

    /// A finite number within `range`; integers are numbers too.
    static func double(_ value: JSON, at path: String, _ range: ConfigRange) throws -> Double {
        guard case .number(let number, let text) = value else {
            throw DNNError.config(path, "expected a number, got \(value.quotedForMessage)")
        }
        guard number.isFinite else {
            throw DNNError.config(path, "must be a finite number, got \(text)")
        }
        guard range.contains(number) else {
            throw DNNError.config(path, "\(range.requirement), got \(text)")
        }
        return number
    }

    /// A non-empty string.
    static func string(_ value: JSON, at path: String, expected: String = "a string") throws -> String {
        guard case .string(let text) = value else {
            throw DNNError.config(path, "expected \(expected), got \(value.quotedForMessage)")
        }
        guard !text.isEmpty else {
            throw DNNError.config(path, "must not be empty")
        }
        return text
    }

    /// A string from a fixed list, with "did you mean" for a near miss.
    static func choice(_ value: JSON, at path: String, options: [String], what: String) throws -> String {
        let list = options.map { "\"\($0)\"" }.joined(separator: ", ")
        guard case .string(let text) = value else {
            throw DNNError.config(path, "expected one of \(list), got \(value.quotedForMessage)")
        }
        guard options.contains(text) else {
            throw DNNError.config(path, "unknown \(what) \(value.quotedForMessage); known: \(options.joined(separator: ", "))",
                                  hint: didYouMeanHint(text, in: options))
        }
        return text
    }

    /// An integer or `[height, width]`, each at least `minimum`.
    static func pair(_ value: JSON, at path: String, minimum: Int) throws -> (height: Int, width: Int) {
        switch value {
        case .number:
            let size = try int(value, at: path, minimum: minimum)
            return (size, size)
        case .array(let elements) where elements.count == 2:
            return (try int(elements[0], at: path + "[0]", minimum: minimum),
                    try int(elements[1], at: path + "[1]", minimum: minimum))
        case .array(let elements):
            throw DNNError.config(path, "expected an integer or [height, width], got an array of \(elements.count)")
        default:
            throw DNNError.config(path, "expected an integer or [height, width], got \(value.quotedForMessage)")
        }
    }
}
