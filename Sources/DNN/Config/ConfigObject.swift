/// One JSON object of a config, with its path, read key by key; it records the value
/// each key resolves to (the default when absent, an absolute path for a file), so the
/// decoder that reads a config also writes its resolved form.
///
/// Creating a reader rejects unknown keys first (so a misspelled `epoch` reads as
/// "unknown key, did you mean 'epochs'?" rather than "missing epochs"); each typed read
/// then checks type and range and names the key's full path in its error.
final class ConfigObject {
    /// The object's JSON path, `solver.optimizer`; empty at the top level.
    let path: String
    private let members: [(key: String, value: JSON)]
    /// Every key read so far with its resolved value, in reading order.
    private(set) var resolved: [(key: String, value: JSON)] = []

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

    /// The resolved object: every key read, with its value after defaults.
    var resolvedJSON: JSON { .object(resolved) }

    /// Records `value` as what `key` resolved to (replacing an earlier record in place).
    func record(_ key: String, _ value: JSON) {
        if let index = resolved.firstIndex(where: { $0.key == key }) {
            resolved[index].value = value
        } else {
            resolved.append((key, value))
        }
    }

    /// `read(value, path)` of an optional key, or nil (recorded as `null`) when it is absent.
    func optional<V>(_ key: String, _ read: (JSON, String) throws -> (V, JSON)) throws -> V? {
        guard let value = self[key] else {
            record(key, .null)
            return nil
        }
        let (decoded, resolvedValue) = try read(value, path(key))
        record(key, resolvedValue)
        return decoded
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

    // MARK: Typed reads (each records its key's resolved value)

    /// An integer key of at least `minimum`; `defaultValue` nil makes it required.
    func int(_ key: String, default defaultValue: Int? = nil, minimum: Int) throws -> Int {
        guard let value = self[key] else {
            guard let defaultValue else { throw DNNError.config(path, "missing required key \"\(key)\"") }
            record(key, .integer(defaultValue))
            return defaultValue
        }
        let integer = try ConfigValue.int(value, at: path(key), minimum: minimum)
        record(key, .integer(integer))
        return integer
    }

    /// A finite number key within `range`.
    func double(_ key: String, default defaultValue: Double, _ range: ConfigRange) throws -> Double {
        let number = try self[key].map { try ConfigValue.double($0, at: path(key), range) } ?? defaultValue
        record(key, .number(number))
        return number
    }

    /// A boolean key.
    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        var flag = defaultValue
        if let value = self[key] {
            guard case .bool(let given) = value else {
                throw DNNError.config(path(key), "expected true or false, got \(value.quotedForMessage)")
            }
            flag = given
        }
        record(key, .bool(flag))
        return flag
    }

    /// A required non-empty string key.
    func string(_ key: String, expected: String = "a string", hint: String? = nil) throws -> String {
        let text = try ConfigValue.string(try required(key, hint: hint), at: path(key), expected: expected)
        record(key, .string(text))
        return text
    }

    /// A string key that must be one of `options`.
    func choice(_ key: String, default defaultValue: String? = nil, options: [String], what: String = "value",
                hint: String? = nil) throws -> String {
        let choice: String
        if let value = self[key] {
            choice = try ConfigValue.choice(value, at: path(key), options: options, what: what)
        } else {
            guard let defaultValue else {
                throw DNNError.config(path, "missing required key \"\(key)\"",
                                      hint: hint ?? "one of: \(options.joined(separator: ", "))")
            }
            choice = defaultValue
        }
        record(key, .string(choice))
        return choice
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

