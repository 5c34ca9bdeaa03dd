import Foundation

/// Fields, line endings and the positions errors report.
extension CSVParser {
    // MARK: Scanning

    /// Skips lines that hold nothing at all, counting them.
    mutating func skipEmptyLines() {
        while position < end {
            let c = base[position]
            if c == lineFeed {
                position += 1
            } else if c == carriageReturn {
                position += base[position + 1] == lineFeed ? 2 : 1
            } else {
                return
            }
            line += 1
            lineStart = position
        }
    }

    /// An upper estimate of the number of rows, for reserving the feature buffer once.
    func estimatedRows() -> Int {
        var lines = 1
        var p = UnsafeRawPointer(base + position)
        let stop = UnsafeRawPointer(base + end)
        while p < stop, let found = memchr(p, Int32(lineFeed), stop - p) {
            lines += 1
            p = UnsafeRawPointer(found) + 1
        }
        return lines
    }

    /// Scans one field and its terminator (consumed).
    mutating func scanField() throws -> Field {
        let fieldPosition = position, fieldLine = line, fieldLineStart = lineStart
        while position < end && (base[position] == space || base[position] == otherBlank) { position += 1 }
        var start = position, stop = position, escaped = false
        if position < end && base[position] == quote {
            position += 1
            start = position
            while true {
                guard position < end else {
                    throw DNNError.data(file, line: fieldLine,
                                        column: characterColumn(from: fieldLineStart, to: start - 1),
                                        "unterminated quoted field: the closing '\"' is missing")
                }
                let c = base[position]
                if c == quote {
                    if base[position + 1] == quote {
                        escaped = true
                        position += 2
                        continue
                    }
                    stop = position
                    position += 1
                    break
                }
                position += 1
                if c == lineFeed || (c == carriageReturn && base[position] != lineFeed) {
                    line += 1
                    lineStart = position
                }
            }
            while position < end && (base[position] == space || base[position] == otherBlank) { position += 1 }
            if position < end && base[position] != separator && base[position] != lineFeed
                && base[position] != carriageReturn {
                throw DNNError.data(file, line: line, column: characterColumn(from: lineStart, to: position),
                                    "unexpected text after the closing quote of a quoted field")
            }
        } else {
            while position < end {
                let c = base[position]
                if c == separator || c == lineFeed || c == carriageReturn { break }
                position += 1
            }
            stop = position
            while stop > start && (base[stop - 1] == space || base[stop - 1] == otherBlank) { stop -= 1 }
        }
        let terminatorPosition = position
        let terminator = consumeTerminator()
        return Field(start: start, end: stop, escaped: escaped, line: fieldLine, lineStart: fieldLineStart,
                     position: fieldPosition, terminator: terminator, terminatorPosition: terminatorPosition)
    }

    /// Consumes the separator or line ending at `position`, if any.
    mutating func consumeTerminator() -> Terminator {
        guard position < end else { return .endOfFile }
        let c = base[position]
        position += 1
        if c == separator { return .separator }
        if c == carriageReturn && base[position] == lineFeed { position += 1 }
        line += 1
        lineStart = position
        return .record
    }

    /// The field's text: unquoted, `""` turned into `"`, surrounding spaces removed.
    func text(of field: Field) -> String {
        var text = String(decoding: UnsafeBufferPointer(start: base + field.start, count: field.end - field.start),
                          as: UTF8.self)
        if field.escaped { text = text.replacingOccurrences(of: "\"\"", with: "\"") }
        return text.trimmingCharacters(in: .whitespaces)
    }

    // MARK: Errors

    /// The field's text for a message, cut to 40 characters.
    func shortText(of field: Field) -> String {
        let text = text(of: field)
        return text.count > 40 ? String(text.prefix(40)) + "..." : text
    }

    /// The 1-based character column at which `field` starts.
    func column(of field: Field) -> Int {
        characterColumn(from: field.lineStart, to: field.position)
    }

    /// The 1-based character column of byte `position` in the line starting at byte `lineStart`.
    func characterColumn(from lineStart: Int, to position: Int) -> Int {
        var characters = 1
        // Count UTF-8 lead bytes, not continuation bytes (10xxxxxx).
        for i in lineStart..<max(position, lineStart) where base[i] & 0xC0 != 0x80 { characters += 1 }
        return characters
    }

    /// The line of byte `position` inside or right after `field` (a quoted field may span lines).
    func lineAt(_ position: Int, after field: Field) -> Int {
        var line = field.line
        var i = field.lineStart
        while i < position {
            if base[i] == lineFeed || (base[i] == carriageReturn && base[i + 1] != lineFeed) { line += 1 }
            i += 1
        }
        return line
    }

    /// The column of byte `position` inside or right after `field`.
    func columnAt(_ position: Int, after field: Field) -> Int {
        var start = field.lineStart
        for i in field.lineStart..<position
        where base[i] == lineFeed || (base[i] == carriageReturn && base[i + 1] != lineFeed) {
            start = i + 1
        }
        return characterColumn(from: start, to: position)
    }

    /// Counts the rest of a row that has a field too many, then reports it at that field.
    mutating func throwTooManyFields(expected: Int) throws -> Never {
        let extra = try scanField()
        var found = expected + 1
        var terminator = extra.terminator
        while terminator == .separator {
            terminator = try scanField().terminator
            found += 1
        }
        throw DNNError.data(file, line: extra.line, column: column(of: extra),
                            "expected \(expected) fields, found \(found)")
    }

    /// The error for a row that ended early right after a number read by the fast path:
    /// the missing field would start where the line ended.
    func tooFewFieldsAfterFastNumber(expected: Int, found: Int) -> DNNError {
        // `position` is past the line ending: step back over it.
        var p = position
        if p > 0 && base[p - 1] == lineFeed { p -= 1 }
        if p > 0 && base[p - 1] == carriageReturn { p -= 1 }
        let endLine = p == position ? line : line - 1
        var start = p
        while start > 0 && base[start - 1] != lineFeed && base[start - 1] != carriageReturn { start -= 1 }
        if endLine == 1 { start = max(start, bomLength) }
        return DNNError.data(file, line: endLine, column: characterColumn(from: start, to: p),
                             "expected \(expected) fields, found \(found)")
    }

    /// 3 when the buffer starts with a UTF-8 byte order mark.
    var bomLength: Int { end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF ? 3 : 0 }
}
