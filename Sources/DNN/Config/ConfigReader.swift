/// One JSON object of a config, with its path, read key by key.
///
/// Creating a reader rejects unknown keys first (so a misspelled `epoch` reads as
/// "unknown key, did you mean 'epochs'?" rather than "missing epochs"); each typed read
/// then checks type and range and names the key's full path in its error.
struct ConfigObject {
    /// The object's JSON path, `solver.optimizer`; empty at the top level.
    let path: String
    private let members: [(key: String, value: JSON)]

    /// - Parameters:
    ///   - keys: every key this object may have.
    ///   - what: the object in messages: "a batchnorm layer", "solver".
    ///   - expected: what a non-object value should have been, for the type error.
    init(_ json: JSON, at path: String, keys: [String], what: String, expected: String = "an object") throws {
        guard case .object(let members) = json else {
            throw DNNError.config(path, "expected \(expected), got \(json.quotedForMessage)")
        }
        for member in members where !keys.contains(member.key) {
            throw DNNError.config(ConfigObject.join(path, member.key), "unknown key \"\(member.key)\" in \(what)",
                                  hint: ConfigObject.unknownKeyHint(member.key, keys: keys))
        }
        self.path = path
        self.members = members
    }

    /// `parent.key`, or `key` at the top level.
    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// The path of `key` in this object.
    func path(_ key: String) -> String {
        ConfigObject.join(path, key)
    }

    /// The value of `key`; nil when absent or `null` (null means "not set", so a resolved
    /// config can list every key and `--set solver.init_from=null` can clear one).
    subscript(key: String) -> JSON? {
        guard let value = members.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    /// Whether `key` is present and not null.
    func contains(_ key: String) -> Bool {
        self[key] != nil
    }

    /// The value of a key that must be present.
    func required(_ key: String, hint: String? = nil) throws -> JSON {
        guard let value = self[key] else {
            throw DNNError.config(path, "missing required key \"\(key)\"", hint: hint)
        }
        return value
    }

    // MARK: Typed reads

    /// An integer key of at least `minimum`; `defaultValue` nil makes it required.
    func int(_ key: String, default defaultValue: Int? = nil, minimum: Int) throws -> Int {
        guard let value = self[key] else {
            if let defaultValue { return defaultValue }
            throw DNNError.config(path, "missing required key \"\(key)\"")
        }
        return try ConfigValue.int(value, at: path(key), minimum: minimum)
    }

    /// A finite number key within `range`.
    func double(_ key: String, default defaultValue: Double, _ range: ConfigRange) throws -> Double {
        guard let value = self[key] else { return defaultValue }
        return try ConfigValue.double(value, at: path(key), range)
    }

    /// A boolean key.
    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let value = self[key] else { return defaultValue }
        guard case .bool(let flag) = value else {
            throw DNNError.config(path(key), "expected true or false, got \(value.quotedForMessage)")
        }
        return flag
    }

    /// A required non-empty string key.
    func string(_ key: String, expected: String = "a string", hint: String? = nil) throws -> String {
        try ConfigValue.string(try required(key, hint: hint), at: path(key), expected: expected)
    }

    /// A string key that must be one of `options`.
    func choice(_ key: String, default defaultValue: String? = nil, options: [String], what: String = "value",
                hint: String? = nil) throws -> String {
        guard let value = self[key] else {
            if let defaultValue { return defaultValue }
            throw DNNError.config(path, "missing required key \"\(key)\"",
                                  hint: hint ?? "one of: \(options.joined(separator: ", "))")
        }
        return try ConfigValue.choice(value, at: path(key), options: options, what: what)
    }

    // MARK: Hints

    /// Other libraries' names for our keys (PyTorch's `kernel_size`, Keras'
    /// `learning_rate`), by the name we use.
    private static let otherNames: [String: String] = [
        "kernel_size": "kernel", "out_features": "out", "out_channels": "out", "units": "out",
        "filters": "out", "negative_slope": "slope", "learning_rate": "lr", "rate": "p", "epsilon": "eps",
        "rho": "alpha",
    ]

    /// What to suggest for an unknown key: our name for another library's, where a
    /// solver-level key belongs, the nearest valid key, or the valid keys.
    static func unknownKeyHint(_ key: String, keys: [String]) -> String {
        if let ours = otherNames[key], keys.contains(ours) {
            return "did you mean '\(ours)'? (\(key) is spelled '\(ours)' here)"
        }
        if ["in_features", "in_channels", "num_features", "normalized_shape"].contains(key) {
            return "the input size is inferred from the previous layer; remove \"\(key)\""
        }
        if key == "betas" && keys.contains("beta1") {
            return "write beta1 and beta2 as separate keys"
        }
        if ["lr", "learning_rate", "momentum", "weight_decay", "nesterov"].contains(key) && keys.contains("optimizer") {
            return "\(key == "learning_rate" ? "lr" : key) belongs in solver.optimizer"
        }
        if let suggestion = didYouMeanHint(key, in: keys) { return suggestion }
        return keys.isEmpty ? "this object takes no keys" : "valid keys: \(keys.joined(separator: ", "))"
    }
}

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

    func contains(_ value: Double) -> Bool {
        switch self {
        case .any: true
        case .atLeast(let lower): value >= lower
        case .greaterThan(let lower): value > lower
        case .halfOpen(let lower, let upper): value >= lower && value < upper
        case .closed(let lower, let upper): value >= lower && value <= upper
        case .open(let lower, let upper): value > lower && value < upper
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
