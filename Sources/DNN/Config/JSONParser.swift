extension JSON {
    /// Parses `text` as strict JSON (RFC 8259): no comments, no trailing commas, no
    /// single quotes, no NaN or Infinity, `\uXXXX` escapes with surrogate pairs, and a
    /// repeated key in one object is an error. A leading byte order mark is skipped.
    ///
    /// - Parameter file: names the input in errors, which read
    ///   `file:line:column: expected ',' or '}' after an object member`.
    /// - Throws: `DNNError` of kind `.config` at `file:line:column` (both 1-based, the
    ///   column counted in Unicode scalars).
    public static func parse(_ text: String, file: String) throws -> JSON {
        var parser = JSONParser(bytes: Array(text.utf8), file: file)
        return try parser.parseDocument()
    }
}

/// A recursive-descent parser over UTF-8 bytes that knows the line and column of every
/// byte and the JSON path of the value it is in (for duplicate-key errors).
struct JSONParser {
    /// Deeper documents are refused rather than risking the stack.
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    /// Path components of the value being parsed: `.key` or `[index]`.
    private var path: [String] = []

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            lineStart = 3
        }
    }

    mutating func parseDocument() throws -> JSON {
        skipWhitespace()
        if index == bytes.count {
            throw error("the input is empty, expected a JSON value")
        }
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw error("expected the end of the input after the JSON value, got \(describeCurrent())")
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws -> JSON {
        skipWhitespace()
        guard index < bytes.count else {
            throw error("expected a value, got the end of the input")
        }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            return try nested { try $0.parseObject() }
        case UInt8(ascii: "["):
            return try nested { try $0.parseArray() }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return try parseLiteral()
        default:
            throw unexpectedValueStart()
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws -> JSON) throws -> JSON {
        guard depth < JSONParser.maximumDepth else {
            throw error("nesting deeper than \(JSONParser.maximumDepth) levels")
        }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }

    private mutating func parseObject() throws -> JSON {
        index += 1  // {
        var members: [(key: String, value: JSON)] = []
        // Where each key starts; its column is counted only for a duplicate's message, as
        // counting it for every key costs the length of the line each time (quadratic on
        // a one-line document).
        var seen: [String: (line: Int, lineStart: Int, position: Int)] = [:]
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                if peek(UInt8(ascii: "}")) && !members.isEmpty {
                    throw error("a trailing comma before '}' is not allowed in JSON")
                }
                if peek(UInt8(ascii: "'")) {
                    throw error("expected a key in double quotes, got \(describeCurrent())",
                                hint: "JSON strings use double quotes")
                }
                if peek(UInt8(ascii: "/")) { throw commentError() }
                throw error("expected a key in double quotes, got \(describeCurrent())")
            }
            let keyLine = line, keyLineStart = lineStart, keyPosition = index
            let key = try parseString()
            if let first = seen[key] {
                throw error("duplicate key \"\(key)\" at \(pathText(appending: key)) "
                            + "(first at line \(first.line), column \(column(at: first.position, lineStart: first.lineStart)))",
                            line: keyLine, column: column(at: keyPosition, lineStart: keyLineStart))
            }
            seen[key] = (keyLine, keyLineStart, keyPosition)
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else {
                throw error("expected ':' after the key \"\(key)\", got \(describeCurrent())")
            }
            index += 1
            path.append(JSONParser.component(key: key))
            let value = try parseValue()
            path.removeLast()
            members.append((key, value))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
                continue
            }
            if peek(UInt8(ascii: "}")) {
                index += 1
                return .object(members)
            }
            throw separatorError("expected ',' or '}' after an object member")
        }
    }

    private mutating func parseArray() throws -> JSON {
        index += 1  // [
        var elements: [JSON] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            return .array([])
        }
        while true {
            skipWhitespace()
            if peek(UInt8(ascii: "]")) && !elements.isEmpty {
                throw error("a trailing comma before ']' is not allowed in JSON")
            }
            path.append("[\(elements.count)]")
            let value = try parseValue()
            path.removeLast()
            elements.append(value)
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
                continue
            }
            if peek(UInt8(ascii: "]")) {
                index += 1
                return .array(elements)
            }
            throw separatorError("expected ',' or ']' after an array element")
        }
    }

    /// After a member or element: name what came instead of the separator, and guess a
    /// missing comma.
    private func separatorError(_ message: String) -> DNNError {
        if index == bytes.count { return error(message + ", got the end of the input") }
        if peek(UInt8(ascii: "/")) { return commentError() }
        let hint: String? = switch bytes[index] {
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "-"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            "is a ',' missing before it?"
        default:
            nil
        }
        return error(message, hint: hint)
    }

    private mutating func parseString() throws -> String {
        // The column only for an error: counting it for every string would be quadratic.
        let startLine = line, startLineStart = lineStart, start = index
        index += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else {
                throw error("unterminated string (it starts at line \(startLine), "
                            + "column \(column(at: start, lineStart: startLineStart)))")
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                let scalar = try parseEscape()
                utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
            case 0x0A, 0x0D:
                throw error("unterminated string (a line break inside a string is written \\n)")
            case 0..<0x20:
                throw error("control character U+\(hex4(UInt32(byte))) inside a string must be escaped")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    /// One escape sequence starting at the backslash; a `\uD8xx` high surrogate must be
    /// followed by a `\uDCxx` low surrogate.
    private mutating func parseEscape() throws -> Unicode.Scalar {
        let start = index
        index += 1  // backslash
        guard index < bytes.count else { throw error("unterminated string") }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: start)
            switch unit {
            case 0xD800...0xDBFF:
                let lowStart = index
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                      bytes[index + 1] == UInt8(ascii: "u")
                else {
                    throw error("unpaired surrogate \\u\(hex4(unit)): a high surrogate must be followed by a "
                                + "low surrogate \\uDC00-\\uDFFF", at: start)
                }
                index += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("unpaired surrogate \\u\(hex4(unit)): a high surrogate must be followed by a "
                                + "low surrogate \\uDC00-\\uDFFF", at: start)
                }
                let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else {
                    throw error("invalid escape", at: start)
                }
                return scalar
            case 0xDC00...0xDFFF:
                throw error("unpaired surrogate \\u\(hex4(unit)): a low surrogate must follow a high surrogate",
                            at: start)
            default:
                guard let scalar = Unicode.Scalar(unit) else { throw error("invalid escape", at: start) }
                return scalar
            }
        default:
            index = start
            let shown = describe(at: start + 1)
            throw error("invalid escape '\\' followed by \(shown)",
                        hint: "JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = JSONParser.hexValue(bytes[index]) else {
                throw error("invalid \\u escape: expected four hexadecimal digits", at: escapeStart)
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func parseNumber() throws -> JSON {
        let start = index
        if peek(UInt8(ascii: "-")) {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                if index < bytes.count, isLetter(bytes[index]) {
                    index = start
                    throw unexpectedValueStart()
                }
                throw error("expected a digit after '-', got \(describeCurrent())")
            }
        }
        if peek(UInt8(ascii: "0")) {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw error("leading zeros are not allowed in JSON numbers", at: start)
            }
        } else {
            skipDigits()
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw error("expected a digit after the decimal point, got \(describeCurrent())")
            }
            skipDigits()
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw error("expected a digit in the exponent, got \(describeCurrent())")
            }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("the number \(text) is out of range", at: start)
        }
        return .number(value, text: text)
    }

    private mutating func parseLiteral() throws -> JSON {
        let start = index
        let word = readWord()
        switch word {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default:
            index = start
            throw unexpectedValueStart()
        }
    }

    /// An error for a byte that cannot start a value, with a hint for the usual
    /// non-JSON spellings (Python's True/None, NaN, single quotes, comments, +1, .5).
    private mutating func unexpectedValueStart() -> DNNError {
        let start = index
        let byte = bytes[index]
        if byte == UInt8(ascii: "/") { return commentError() }
        if isLetter(byte) || byte == UInt8(ascii: "-") {
            if byte == UInt8(ascii: "-") { index += 1 }
            let word = (byte == UInt8(ascii: "-") ? "-" : "") + readWord()
            index = start
            let hint: String? = switch word {
            case "True", "False", "None", "TRUE", "FALSE", "NULL", "Null", "nil", "undefined":
                "JSON writes true, false and null in lowercase"
            case "NaN", "nan", "Infinity", "-Infinity", "inf", "-inf", "Inf", "-Inf":
                "JSON has no NaN or Infinity"
            default:
                "strings are written in double quotes"
            }
            return error("expected a value, got '\(word)'", hint: hint)
        }
        let hint: String? = switch byte {
        case UInt8(ascii: "'"): "JSON strings use double quotes"
        case UInt8(ascii: "+"): "JSON numbers have no leading '+'"
        case UInt8(ascii: "."): "JSON numbers start with a digit: 0.5, not .5"
        case UInt8(ascii: "]"), UInt8(ascii: "}"): "is there a comma too many before it?"
        default: nil
        }
        return error("expected a value, got \(describeCurrent())", hint: hint)
    }

    private func commentError() -> DNNError {
        error("comments are not allowed in JSON")
    }

    // MARK: Bytes

    private func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// Letters, digits and '_' from the current byte on (at most 20 shown).
    private mutating func readWord() -> String {
        let start = index
        while index < bytes.count, isLetter(bytes[index]) || isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_") {
            index += 1
        }
        return String(decoding: bytes[start..<min(index, start + 20)], as: UTF8.self)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default:
                return
            }
        }
    }

    // MARK: Errors

    /// The 1-based column of byte `position` on the current line, in Unicode scalars.
    private func column(at position: Int) -> Int {
        column(at: position, lineStart: lineStart)
    }

    /// The 1-based column of byte `position` on the line that starts at byte `lineStart`.
    private func column(at position: Int, lineStart: Int) -> Int {
        var column = 1
        var i = lineStart
        while i < position && i < bytes.count {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return column
    }

    private func error(_ message: String, at position: Int? = nil, hint: String? = nil) -> DNNError {
        error(message, line: line, column: column(at: position ?? index), hint: hint)
    }

    private func error(_ message: String, line: Int, column: Int, hint: String? = nil) -> DNNError {
        DNNError(.config, at: "\(file):\(line):\(column)", message, hint: hint)
    }

    private func describeCurrent() -> String {
        describe(at: index)
    }

    /// The character at byte `position` in quotes, or "the end of the input".
    private func describe(at position: Int) -> String {
        guard position < bytes.count else { return "the end of the input" }
        var end = position + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let character = String(decoding: bytes[position..<end], as: UTF8.self)
        switch character {
        case "\n": return "a line break"
        case "\t": return "a tab"
        default:
            if let scalar = character.unicodeScalars.first, scalar.value < 0x20 {
                return "the control character U+\(hex4(scalar.value))"
            }
            return "'\(character)'"
        }
    }

    private func hex4(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `.key` for a member of the current object, or the bare key at the top level.
    private static func component(key: String) -> String {
        "." + key
    }

    /// The config path of `key` in the object being parsed: `solver.optimizer.lr`.
    private func pathText(appending key: String) -> String {
        var text = (path + [JSONParser.component(key: key)]).joined()
        if text.hasPrefix(".") { text.removeFirst() }
        return text
    }
}
