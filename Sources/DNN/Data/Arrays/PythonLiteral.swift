/// The Python literals an NPY header is written in (`{'descr': '<f4', 'fortran_order':
/// False, 'shape': (3, 4), }`), parsed strictly: strings, integers, True, False, None,
/// tuples, lists and dicts, nothing else, and never evaluated.
///
/// NumPy reads the header with `ast.literal_eval`; this accepts the same literals (minus
/// floats, complex numbers and string prefixes, which no header holds) and reports the
/// byte offset of the first thing it does not accept.
indirect enum PythonLiteral: Equatable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): x == y
        case let (.integer(x), .integer(y)): x == y
        case let (.bool(x), .bool(y)): x == y
        case (.none, .none): true
        case let (.tuple(x), .tuple(y)), let (.list(x), .list(y)): x == y
        case let (.dict(x), .dict(y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// Parses one literal filling `text` (surrounding whitespace allowed).
    /// - Parameters:
    ///   - location: named in errors, and `baseOffset` the text's first byte in the file.
    /// - Throws: `DNNError(.data)` at `location: byte N` for anything else.
    static func parse(_ text: [UInt8], location: String, baseOffset: Int) throws -> PythonLiteral {
        var parser = Parser(text: text, location: location, baseOffset: baseOffset)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == text.count else { throw parser.error("unexpected text after the header's dict") }
        return value
    }

    private struct Parser {
        let text: [UInt8]
        let location: String
        let baseOffset: Int
        var position = 0

        init(text: [UInt8], location: String, baseOffset: Int) {
            self.text = text
            self.location = location
            self.baseOffset = baseOffset
        }

        func error(_ message: String) -> DNNError {
            DNNError(.data, at: "\(location): byte \(baseOffset + position)", "bad NPY header: \(message)")
        }

        mutating func skipWhitespace() {
            while position < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[position]) { position += 1 }
        }

        mutating func value(depth: Int) throws -> PythonLiteral {
            guard depth < 16 else { throw error("nested too deeply") }
            skipWhitespace()
            guard position < text.count else { throw error("ends where a value should be") }
            switch text[position] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try sequence(closing: UInt8(ascii: ")"), depth: depth))
            case UInt8(ascii: "["): return .list(try sequence(closing: UInt8(ascii: "]"), depth: depth))
            case UInt8(ascii: "{"): return try dict(depth: depth)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
            default:
                for (word, literal) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)]
                where text[position...].starts(with: word.utf8) {
                    position += word.utf8.count
                    return literal
                }
                throw error("unexpected character '\(String(decoding: [text[position]], as: UTF8.self))'")
            }
        }

        mutating func string() throws -> String {
            let quote = text[position]
            position += 1
            var bytes: [UInt8] = []
            while position < text.count, text[position] != quote {
                var byte = text[position]
                if byte == UInt8(ascii: "\\") {
                    position += 1
                    guard position < text.count, [UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\"")]
                        .contains(text[position]) else { throw error("unsupported escape in a string") }
                    byte = text[position]
                } else if byte == 0x0A {
                    throw error("line break inside a string")
                }
                bytes.append(byte)
                position += 1
            }
            guard position < text.count else { throw error("unterminated string") }
            position += 1
            guard let string = String(validating: bytes, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
            return string
        }

        mutating func integer() throws -> Int {
            let negative = text[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            var value = 0
            var digits = 0
            while position < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position]) {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(text[position] - UInt8(ascii: "0")))
                guard !overflow1 && !overflow2 else { throw error("an integer is too large") }
                value = sum
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw error("'-' without digits") }
            // Python 2 wrote long integers with an L suffix (NumPy still reads them).
            if position < text.count, text[position] == UInt8(ascii: "L") { position += 1 }
            return negative ? -value : value
        }

        /// Items up to `closing`, comma-separated, a trailing comma allowed; a tuple of one
        /// item needs its comma, as in Python (`(3)` is the number 3).
        mutating func sequence(closing: UInt8, depth: Int) throws -> [PythonLiteral] {
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipWhitespace()
                guard position < text.count else { throw error("unterminated tuple or list") }
                if text[position] == closing { break }
                if !items.isEmpty {
                    guard text[position] == UInt8(ascii: ",") else { throw error("expected ',' between items") }
                    position += 1
                    sawComma = true
                    skipWhitespace()
                    if position < text.count, text[position] == closing { break }
                }
                items.append(try value(depth: depth + 1))
            }
            position += 1
            if closing == UInt8(ascii: ")") && items.count == 1 && !sawComma {
                throw error("a value in parentheses without a comma is not a tuple; a shape of one dimension is written (n,)")
            }
            return items
        }

        mutating func dict(depth: Int) throws -> PythonLiteral {
            position += 1
            var entries: [(key: PythonLiteral, value: PythonLiteral)] = []
            while true {
                skipWhitespace()
                guard position < text.count else { throw error("unterminated dict") }
                if text[position] == UInt8(ascii: "}") { break }
                if !entries.isEmpty {
                    guard text[position] == UInt8(ascii: ",") else { throw error("expected ',' between dict entries") }
                    position += 1
                    skipWhitespace()
                    if position < text.count, text[position] == UInt8(ascii: "}") { break }
                }
                let key = try value(depth: depth + 1)
                skipWhitespace()
                guard position < text.count, text[position] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                position += 1
                entries.append((key, try value(depth: depth + 1)))
            }
            position += 1
            return .dict(entries)
        }
    }
}
