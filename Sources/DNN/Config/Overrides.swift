/// One `--set PATH=VALUE` of `dnn train`: a value that replaces (or adds) one entry of
/// the config's JSON before it is decoded, so the decoder checks it like any other.
///
/// PATH is dotted, numeric components index arrays (`model.layers.3.p`); the bracket
/// form of error messages works too (`model.layers[3].p`). VALUE is JSON when it parses
/// as JSON (`0.01`, `true`, `null`, `[1, 28, 28]`, `"3"`), else a plain string
/// (`data.normalize=scale`).
public struct Override: Equatable, Sendable {
    /// The path as written, for messages: `model.layers.3.p`.
    public var pathText: String
    /// The components: `["model", "layers", "3", "p"]`.
    public var path: [String]
    /// The new value: parsed JSON, or the text as a string.
    public var value: JSON

    /// An override of `path` (components as in `pathText`) by `value`.
    public init(path: [String], value: JSON) {
        self.pathText = path.joined(separator: ".")
        self.path = path
        self.value = value
    }

    /// Parses one `PATH=VALUE` argument.
    ///
    /// - Throws: `DNNError` of kind `.usage` for a missing `=`, an empty path or
    ///   component, or a VALUE that starts like JSON (`[`, `{`, `"`) but is not.
    public init(parsing argument: String) throws {
        guard let equals = argument.firstIndex(of: "=") else {
            throw DNNError(.usage, at: "--set \(argument)", "expected PATH=VALUE",
                           hint: "e.g. --set solver.optimizer.lr=0.01")
        }
        pathText = String(argument[..<equals])
        let location = "--set \(pathText)"
        guard !pathText.isEmpty else {
            throw DNNError(.usage, at: "--set \(argument)", "the path before '=' is empty",
                           hint: "e.g. --set solver.optimizer.lr=0.01")
        }
        path = try Override.components(of: pathText, location: location)
        let valueText = String(argument[argument.index(after: equals)...])
        do {
            value = try JSON.parse(valueText, file: "value")
        } catch let error as DNNError {
            let start = valueText.drop(while: { $0 == " " }).first
            if start == "[" || start == "{" || start == "\"" {
                throw DNNError(.usage, at: location, "the value is not valid JSON: \(error.description)")
            }
            value = .string(valueText)
        }
    }

    /// `a.b[3].c` and `a.b.3.c` alike: `["a", "b", "3", "c"]`.
    private static func components(of text: String, location: String) throws -> [String] {
        guard !text.hasPrefix("[") else {
            throw DNNError(.usage, at: location, "the path must start with a key, like model.layers[3]")
        }
        var components: [String] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                let name = rest[..<bracket]
                if !name.isEmpty { components.append(String(name)) }
                rest = rest[bracket...]
                while !rest.isEmpty {
                    guard rest.first == "[", let close = rest.firstIndex(of: "]") else {
                        throw DNNError(.usage, at: location, "expected an index in brackets, like layers[3]")
                    }
                    let index = rest[rest.index(after: rest.startIndex)..<close]
                    guard !index.isEmpty, index.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        throw DNNError(.usage, at: location, "expected an index in brackets, like layers[3], got [\(index)]")
                    }
                    components.append(String(index))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                guard !rest.isEmpty else {
                    throw DNNError(.usage, at: location, "the path has an empty component",
                                   hint: "components are separated by single dots, e.g. solver.optimizer.lr")
                }
                components.append(String(rest))
            }
        }
        return components
    }
}

extension JSON {
    /// This JSON with each `--set PATH=VALUE` of `arguments` applied in order.
    ///
    /// - Throws: `DNNError` of kind `.usage` at `--set PATH`, e.g.
    ///   `--set model.layers.9.p: model.layers has 6 entries (indices 0-5)`.
    public func applying(overrides arguments: [String]) throws -> JSON {
        var json = self
        for argument in arguments {
            json = try json.applying(try Override(parsing: argument))
        }
        return json
    }

    /// This JSON with `override.value` at `override.path`. A key an object does not have
    /// is added (with objects created along the way, also in place of `null`); an array
    /// index must exist; a path through a number, string or boolean is an error.
    public func applying(_ override: Override) throws -> JSON {
        try setting(override.value, at: override.path[...], traversed: "", location: "--set \(override.pathText)")
    }

    private func setting(_ value: JSON, at components: ArraySlice<String>, traversed: String,
                         location: String) throws -> JSON {
        guard let first = components.first else { return value }
        let rest = components.dropFirst()
        switch self {
        case .object(var members):
            let childPath = traversed.isEmpty ? first : traversed + "." + first
            if let index = members.firstIndex(where: { $0.key == first }) {
                members[index].value = try members[index].value.setting(value, at: rest, traversed: childPath,
                                                                        location: location)
            } else {
                members.append((first, try JSON.object([]).setting(value, at: rest, traversed: childPath,
                                                                    location: location)))
            }
            return .object(members)
        case .array(var elements):
            let name = traversed.isEmpty ? "the config" : traversed
            let range = switch elements.count {
            case 0: "is empty"
            case 1: "has 1 entry (index 0)"
            default: "has \(elements.count) entries (indices 0-\(elements.count - 1))"
            }
            guard first.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(first) else {
                throw DNNError(.usage, at: location, "\(name) is an array and \"\(first)\" is not an index; \(name) \(range)")
            }
            guard elements.indices.contains(index) else {
                throw DNNError(.usage, at: location, "\(name) \(range)")
            }
            elements[index] = try elements[index].setting(value, at: rest, traversed: "\(traversed)[\(index)]",
                                                          location: location)
            return .array(elements)
        case .null:
            return try JSON.object([]).setting(value, at: components, traversed: traversed, location: location)
        default:
            let name = traversed.isEmpty ? "the config" : traversed
            throw DNNError(.usage, at: location,
                           "\(name) is \(kindDescription) (\(quotedForMessage)), so it has no entry \"\(first)\"")
        }
    }
}
