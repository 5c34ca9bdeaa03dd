import DNN

/// One option a command accepts.
struct OptionSpec {
    let name: String
    /// Whether it takes a value (`--out DIR` or `--out=DIR`) or is a flag (`--quiet`).
    let takesValue: Bool
    /// Whether it may appear more than once (`--set`).
    var repeatable = false
}

/// A command line split into options and positional arguments, checked against the
/// options a command accepts: unknown options are usage errors with a suggestion.
struct Arguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    init(_ arguments: [String], options: [OptionSpec], command: String) throws {
        let specs = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = argument, inlineValue: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let spec = specs[name] else {
                let suggestion = nearest(name, in: options.map(\.name))
                throw DNNError(.usage, at: argument, "is not an option of dnn \(command)",
                               hint: suggestion.map { "did you mean \($0)? see dnn help \(command)" }
                                   ?? "see dnn help \(command)")
            }
            if spec.takesValue {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw DNNError(.usage, at: name, "needs a value", hint: "see dnn help \(command)")
                    }
                    value = arguments[index]
                    index += 1
                }
                if values[name] != nil && !spec.repeatable {
                    throw DNNError(.usage, at: name, "is given more than once")
                }
                values[name, default: []].append(value)
            } else {
                guard inlineValue == nil else { throw DNNError(.usage, at: argument, "takes no value") }
                flags.insert(name)
            }
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// An integer option within `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
            throw DNNError(.usage, at: name, "expects an integer \(bound), got '\(text)'")
        }
        return number
    }

    /// `--precision fp32|bf16`, or nil when it is not given. `alsoBoth` accepts `both`
    /// (dnn bench: every row in fp32, then in bf16), returned as nil too.
    func precision(alsoBoth: Bool = false) throws -> Precision? {
        guard let text = value("--precision") else { return nil }
        if alsoBoth && text == "both" { return nil }
        guard let precision = Precision(rawValue: text) else {
            let names = Precision.allCases.map(\.rawValue) + (alsoBoth ? ["both"] : [])
            throw DNNError(.usage, at: "--precision", "must be one of \(names.joined(separator: ", ")), got '\(text)'")
        }
        return precision
    }

    /// A compute context of `threads` threads whose products run at `--precision` (fp32
    /// when not given); says once on stderr when bf16 runs as fp32 on this CPU.
    func compute(threads: Int) throws -> Compute {
        let precision = try self.precision() ?? .fp32
        if let notice = precision.fallbackNotice { Console.error(notice) }
        let compute = Compute(threads: threads)
        compute.productPrecision = precision.effective
        return compute
    }

    /// Exactly `count` positional arguments (or between `count` and `maximum`).
    func positionals(_ names: [String], required: Int, command: String) throws -> [String] {
        guard positionals.count >= required else {
            throw DNNError(.usage, at: "dnn \(command)", "needs \(names.prefix(required).joined(separator: " "))",
                           hint: "see dnn help \(command)")
        }
        guard positionals.count <= names.count else {
            throw DNNError(.usage, at: positionals[names.count], "is an unexpected argument",
                           hint: "see dnn help \(command)")
        }
        return positionals
    }
}
