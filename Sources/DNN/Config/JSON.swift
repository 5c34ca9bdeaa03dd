/// A JSON value, as our config files, `--set` overrides, metrics lines and checkpoint
/// metadata need it.
///
/// Foundation's `JSONSerialization` loses what we must keep: the order of an object's
/// keys (a resolved config is written back in a stable order), whether a number was
/// written as an integer (`3`) or a decimal (`3.0`, so integer fields can reject
/// `3.5` and `3.0` alike), integers beyond 2^53 (`seed`), and the line and column of
/// a syntax error. `parse(_:file:)` is in `JSONParser.swift`.
public enum JSON: Sendable {
    /// `null`; in a config, the same as leaving the key out.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number and its text as written (`"3"`, `"3.0"`, `"1e-3"`); the text tells
    /// integers from decimals and keeps integers exact beyond 2^53.
    case number(Double, text: String)
    /// A string, escapes decoded.
    case string(String)
    /// Elements in order.
    case array([JSON])
    /// Members in the order they were written; keys are unique.
    case object([(key: String, value: JSON)])
}

// MARK: - Building values

extension JSON {
    /// An integer, written without a decimal point.
    public static func integer<I: BinaryInteger>(_ value: I) -> JSON {
        .number(Double(value), text: String(value))
    }

    /// A decimal number, written as Swift's shortest round-trip form (`0.001`, `1e-08`,
    /// `1.0`), so reading it back gives the same `Double`.
    public static func number(_ value: Double) -> JSON {
        .number(value, text: value.description)
    }
}

extension JSON: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// `let shape: JSON = 3`: an integer.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// `let lr: JSON = 0.01`: a decimal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// `let name: JSON = "mnist"`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `let shuffle: JSON = true`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `let shape: JSON = [1, 28, 28]`.
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    /// `let layer: JSON = ["type": "linear", "out": 10]`, keys in the order written
    /// (a repeated key keeps its last value at its first place).
    public init(dictionaryLiteral elements: (String, JSON)...) {
        var members: [(key: String, value: JSON)] = []
        for (key, value) in elements {
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = value
            } else {
                members.append((key, value))
            }
        }
        self = .object(members)
    }
}

// MARK: - Reading values

extension JSON {
    /// The value of `key` in an object; nil when absent or when this is not an object.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    public subscript(index: Int) -> JSON? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// Whether this is a number written as an integer: no fraction, no exponent.
    public var isInteger: Bool {
        guard case .number(_, let text) = self else { return false }
        return JSON.isIntegerText(text)
    }

    /// The integer, if this is a number written as an integer that fits an `Int`
    /// (`3` yes; `3.0`, `3.5`, `1e3` no).
    public var int: Int? {
        guard case .number(_, let text) = self, JSON.isIntegerText(text) else { return nil }
        return Int(text)
    }

    /// The value of any number.
    public var double: Double? {
        guard case .number(let value, _) = self else { return nil }
        return value
    }

    /// The value of a boolean.
    public var bool: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// The value of a string.
    public var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// The elements of an array.
    public var array: [JSON]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    /// The members of an object, in order.
    public var object: [(key: String, value: JSON)]? {
        guard case .object(let members) = self else { return nil }
        return members
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The kind of value, for error messages: "a string", "an object".
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: isInteger ? "an integer" : "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// `-?[0-9]+`: JSON's integer form.
    static func isIntegerText(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

// MARK: - Equality

extension JSON: Equatable {
    /// Structural equality with the order of object keys significant. Integers compare
    /// by their digits (exact beyond 2^53), decimals by value, and an integer never
    /// equals a decimal (`3` != `3.0`), as integer fields tell them apart.
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.number(let a, let textA), .number(let b, let textB)):
            let integerA = isIntegerText(textA), integerB = isIntegerText(textB)
            guard integerA == integerB else { return false }
            if integerA { return canonicalInteger(textA) == canonicalInteger(textB) }
            return a == b
        case (.string(let a), .string(let b)):
            return a == b
        case (.array(let a), .array(let b)):
            return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default:
            return false
        }
    }

    /// `-0` and `0` are the same integer.
    private static func canonicalInteger(_ text: String) -> String {
        text == "-0" ? "0" : text
    }
}

// MARK: - Writing

extension JSON: CustomStringConvertible {
    /// The compact serialization.
    public var description: String { serialized(pretty: false) }

    /// The JSON text of this value, stable so that files can be compared: keys in stored
    /// order, integers as written, decimals in Swift's shortest round-trip form, strings
    /// with only `"`, `\` and control characters escaped. Compact is one line without
    /// spaces; pretty indents by two spaces, one member or element per line.
    ///
    /// A non-finite number (which `parse` never produces) is written as `null`, so the
    /// output is always valid JSON.
    public func serialized(pretty: Bool) -> String {
        var output = ""
        write(to: &output, pretty: pretty, indent: 0)
        return output
    }

    private func write(to output: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .number(let value, let text):
            if JSON.isIntegerText(text) {
                output += text
            } else if value.isFinite {
                output += value.description
            } else {
                output += "null"
            }
        case .string(let value):
            JSON.writeString(value, to: &output)
        case .array(let elements):
            guard !elements.isEmpty else { output += "[]"; return }
            output += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { output += "," }
                if pretty { JSON.newline(&output, indent: indent + 1) }
                element.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSON.newline(&output, indent: indent) }
            output += "]"
        case .object(let members):
            guard !members.isEmpty else { output += "{}"; return }
            output += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { output += "," }
                if pretty { JSON.newline(&output, indent: indent + 1) }
                JSON.writeString(member.key, to: &output)
                output += pretty ? ": " : ":"
                member.value.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSON.newline(&output, indent: indent) }
            output += "}"
        }
    }

    private static func newline(_ output: inout String, indent: Int) {
        output += "\n"
        output += String(repeating: "  ", count: indent)
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var output = ""
        writeString(text, to: &output)
        return output
    }

    /// `"..."` with `"`, `\` and U+0000-U+001F escaped; everything else as UTF-8.
    static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16, uppercase: false)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// How a value appears after "got" in an error message: scalars as JSON text
    /// (long strings shortened), containers by kind.
    var quotedForMessage: String {
        switch self {
        case .array, .object:
            return kindDescription
        case .string(let value) where value.count > 40:
            var text = ""
            JSON.writeString(String(value.prefix(37)) + "...", to: &text)
            return text
        default:
            return serialized(pretty: false)
        }
    }
}
