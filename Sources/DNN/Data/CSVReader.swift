import Foundation

/// Reads CSV data files: a header row of column names, then one row per sample.
///
/// The format is RFC 4180 (comma separator, double-quoted fields with `""` escapes,
/// LF or CRLF line endings) with the leniencies of real files: a UTF-8 byte order mark,
/// spaces around values, no final newline, empty lines (skipped but counted, so that
/// line numbers match an editor's). A gzip-compressed file is recognised by its magic
/// bytes and read the same way (up to `Gzip.maximumDecompressedBytes` decompressed).
///
/// Numbers are parsed straight from the file's bytes, without a `String` per field, so
/// a 60,000 x 785 MNIST CSV reads in a fraction of a second.
public enum CSVReader {
    /// Reads the CSV file at `path` into a table of features and labels.
    ///
    /// - Parameters:
    ///   - path: the file; named in every error.
    ///   - labelColumn: the header name of the label column; every other column is a
    ///     feature. nil: every column is a feature (used by `dnn predict` on unlabelled data).
    /// - Throws: `DNNError(.io)` when the file cannot be read; `DNNError(.data)` at
    ///   `file:line:column` for an empty file, duplicate or empty column names, a label
    ///   column not in the header (with the nearest name), a row with the wrong number of
    ///   fields, a feature that is not a finite number, an empty label, an unterminated
    ///   quote, or no data rows.
    /// - Parameter labelRequired: when false, a file without the label column is read with
    ///   every column as a feature and no labels (`dnn predict` on unlabelled data).
    public static func read(path: String, labelColumn: String?, labelRequired: Bool = true) throws -> LabelledTable {
        try decode(try FileBytes.read(path), file: path, labelColumn: labelColumn, labelRequired: labelRequired)
    }

    /// Reads a CSV file's contents (raw or gzip) from memory, as `read(path:...)` reads
    /// the file: the same table and the same errors, which name `file`.
    static func decode(_ contents: [UInt8], file: String, labelColumn: String?, labelRequired: Bool = true,
                       selection: RowSelection? = nil) throws -> LabelledTable {
        var bytes = Gzip.isCompressed(contents) ? try Gzip.decompress(contents, file: file) : contents
        let count = bytes.count
        // A terminating zero lets the scanner look one byte ahead (CR LF) without a bounds check.
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { buffer in
            var parser = CSVParser(base: buffer.baseAddress!, end: count, file: file)
            return try parser.parse(labelColumn: labelColumn, labelRequired: labelRequired, selection: selection)
        }
    }

    /// Reads the rows of the CSV file at `path` that `selection` keeps, checking every row
    /// as `read` does (so every rank of `data.shard` finds the same errors). A plain file
    /// is mapped, not copied, into memory; a gzip file is inflated into a temporary file
    /// first, which is mapped in turn.
    static func read(path: String, labelColumn: String?, selection: RowSelection) throws -> LabelledTable {
        guard var mapped = try MappedFile(path: path) else {
            return try decode(try FileBytes.read(path), file: path, labelColumn: labelColumn, selection: selection)
        }
        if mapped.count >= 2 && mapped.bytes[0] == 0x1F && mapped.bytes[1] == 0x8B {
            mapped = try MappedFile.inflating(path)
        }
        return try withExtendedLifetime(mapped) {
            var parser = CSVParser(base: mapped.bytes, end: mapped.count, file: path)
            return try parser.parse(labelColumn: labelColumn, labelRequired: true, selection: selection)
        }
    }
}

private let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
private let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

/// Exact powers of ten in Float: 10^10 < 2^24 * 2^10, so each is representable.
private let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

/// A byte-level CSV scanner over a buffer that ends with a zero byte at `end`.
private struct CSVParser {
    /// What ended a field.
    enum Terminator { case comma, record, endOfFile }

    /// One field's place in the buffer.
    struct Field {
        /// The content, without surrounding spaces or quotes: base[start..<end].
        var start: Int
        var end: Int
        /// Whether the content holds `""` escapes to be turned into `"`.
        var escaped: Bool
        /// Where the field starts (after the previous comma), for error messages.
        var line: Int
        var lineStart: Int
        var position: Int
        var terminator: Terminator
        /// Where the terminator is: the column at which a missing field would start.
        var terminatorPosition: Int
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    let file: String
    /// The next byte to read.
    var position = 0
    /// The line of `position`, 1-based, and the byte at which that line starts.
    var line = 1
    var lineStart = 0

    init(base: UnsafePointer<UInt8>, end: Int, file: String) {
        self.base = base
        self.end = end
        self.file = file
    }

    mutating func parse(labelColumn: String?, labelRequired: Bool, selection: RowSelection? = nil) throws -> LabelledTable {
        skipByteOrderMark()
        skipEmptyLines()
        guard position < end else {
            throw DNNError.data(file, line: line, column: 1, "the file is empty; expected a header row of column names")
        }

        let headerLine = line
        let (names, columnOfName) = try parseHeader()
        let labelIndex = try labelIndex(labelColumn, required: labelRequired, names: names, columnOfName: columnOfName,
                                        headerLine: headerLine)
        let columnCount = names.count
        let featureCount = columnCount - (labelIndex == nil ? 0 : 1)
        let featureNames = names.enumerated().filter { $0.offset != labelIndex }.map(\.element)

        // The data rows, each parsed straight into its slot of `features`.
        var features: [Float] = []
        features.reserveCapacity(featureCapacity(selection: selection, featureCount: featureCount))
        var labels: [String] = [], lineNumbers: [Int] = []
        // A row `selection` drops is parsed here, checked as any other, then forgotten.
        var dropped = [Float](repeating: 0, count: featureCount)
        var row = 0
        while true {
            skipEmptyLines()
            if position >= end { break }
            let keep = selection?.keeps(row) ?? true
            let labelCount = labels.count, rowLine = line
            if keep {
                let rowStart = features.count
                features.append(contentsOf: repeatElement(0, count: featureCount))
                try features.withUnsafeMutableBufferPointer { buffer in
                    try parseRow(into: buffer.baseAddress! + rowStart, names: names, labelIndex: labelIndex ?? -1,
                                 labels: &labels)
                    selection?.visit?(row, UnsafeBufferPointer(rebasing: buffer[rowStart..<(rowStart + featureCount)]))
                }
            } else {
                try dropped.withUnsafeMutableBufferPointer { buffer in
                    try parseRow(into: buffer.baseAddress!, names: names, labelIndex: labelIndex ?? -1, labels: &labels)
                    selection?.visit?(row, UnsafeBufferPointer(buffer))
                }
            }
            if keep || selection?.labelsOnly == true {
                lineNumbers.append(rowLine)
            } else if labels.count > labelCount {
                labels.removeLast()
            }
            row += 1
        }
        guard row > 0 else {
            throw DNNError.data(file, line: headerLine, column: 1, "no data rows after the header")
        }
        if let selection { try selection.checkRowCount(row, file: file) }
        if selection?.labelsOnly == true {
            return LabelledTable(features: [], featureCount: 0, featureNames: [], labels: labelIndex == nil ? nil : labels,
                                 rows: row, lineNumbers: lineNumbers, sampleShape: [0])
        }
        return LabelledTable(features: features, featureCount: featureCount, featureNames: featureNames,
                             labels: labelIndex == nil ? nil : labels, rows: lineNumbers.count,
                             lineNumbers: lineNumbers, sampleShape: [featureCount])
    }

    /// Steps over a UTF-8 byte order mark, which is not part of the first column's name.
    private mutating func skipByteOrderMark() {
        if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
            position = 3
            lineStart = 3
        }
    }

    /// The features to reserve room for before parsing. A selection knows its rows; a
    /// read of every row estimates them, bounded by the file's size, since every feature
    /// takes at least one byte of it (empty lines count as rows in the estimate, and a
    /// header of many columns must not make them a huge allocation).
    private func featureCapacity(selection: RowSelection?, featureCount: Int) -> Int {
        if let selection { return selection.keptCount(of: 0) * featureCount }
        let (estimate, overflow) = estimatedRows().multipliedReportingOverflow(by: featureCount)
        return overflow ? end : min(estimate, end)
    }

    /// The header row: the column names, each with its index, checked to be present and distinct.
    mutating func parseHeader() throws -> ([String], [String: Int]) {
        var names: [String] = []
        // Each name's column index, so a header of many columns is checked in linear time.
        var columnOfName: [String: Int] = [:]
        while true {
            let field = try scanField()
            let name = text(of: field)
            if name.isEmpty {
                throw DNNError.data(file, line: field.line, column: column(of: field),
                                    "column \(names.count + 1) has no name in the header")
            }
            if let first = columnOfName[name] {
                throw DNNError.data(file, line: field.line, column: column(of: field),
                                    "duplicate column name '\(name)' (also column \(first + 1))")
            }
            columnOfName[name] = names.count
            names.append(name)
            if field.terminator != .comma { break }
        }
        return (names, columnOfName)
    }

    /// The label column's index: nil without one (or when it is optional and absent).
    func labelIndex(_ labelColumn: String?, required: Bool, names: [String], columnOfName: [String: Int],
                    headerLine: Int) throws -> Int? {
        guard let labelColumn, required || columnOfName[labelColumn] != nil else { return nil }
        guard let index = columnOfName[labelColumn] else {
            let hint = nearest(labelColumn, in: names).map { "did you mean '\($0)'?" }
            throw DNNError.data(file, line: headerLine, column: 1,
                                "label column '\(labelColumn)' is not in the header (columns: "
                                    + names.joined(separator: ", ") + ")", hint: hint)
        }
        return index
    }

    /// Parses one data row: its features into out[0..<featureCount], its label onto `labels`.
    mutating func parseRow(into out: UnsafeMutablePointer<Float>, names: [String], labelIndex: Int,
                           labels: inout [String]) throws {
        var out = out
        let columnCount = names.count
        for column in 0..<columnCount {
            let terminator: Terminator
            if column != labelIndex, let (value, ending) = fastNumber() {
                out.pointee = value
                out += 1
                terminator = ending
            } else {
                let field = try scanField()
                if column == labelIndex {
                    let label = text(of: field)
                    if label.isEmpty {
                        throw DNNError.data(file, line: field.line, column: self.column(of: field),
                                            "the label in column '\(names[column])' is empty")
                    }
                    labels.append(label)
                } else {
                    out.pointee = try number(in: field, columnName: names[column])
                    out += 1
                }
                terminator = field.terminator
                if terminator != .comma && column < columnCount - 1 {
                    throw DNNError.data(file, line: lineAt(field.terminatorPosition, after: field),
                                        column: columnAt(field.terminatorPosition, after: field),
                                        "expected \(columnCount) fields, found \(column + 1)")
                }
            }
            if terminator == .comma && column == columnCount - 1 {
                try throwTooManyFields(expected: columnCount)
            }
            if terminator != .comma && column < columnCount - 1 {
                // Only the fast path gets here: the missing field starts where the line ended.
                throw tooFewFieldsAfterFastNumber(expected: columnCount, found: column + 1)
            }
        }
    }

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
        while position < end && (base[position] == space || base[position] == tab) { position += 1 }
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
            while position < end && (base[position] == space || base[position] == tab) { position += 1 }
            if position < end && base[position] != comma && base[position] != lineFeed
                && base[position] != carriageReturn {
                throw DNNError.data(file, line: line, column: characterColumn(from: lineStart, to: position),
                                    "unexpected text after the closing quote of a quoted field")
            }
        } else {
            while position < end {
                let c = base[position]
                if c == comma || c == lineFeed || c == carriageReturn { break }
                position += 1
            }
            stop = position
            while stop > start && (base[stop - 1] == space || base[stop - 1] == tab) { stop -= 1 }
        }
        let terminatorPosition = position
        let terminator = consumeTerminator()
        return Field(start: start, end: stop, escaped: escaped, line: fieldLine, lineStart: fieldLineStart,
                     position: fieldPosition, terminator: terminator, terminatorPosition: terminatorPosition)
    }

    /// Consumes the comma or line ending at `position`, if any.
    mutating func consumeTerminator() -> Terminator {
        guard position < end else { return .endOfFile }
        let c = base[position]
        position += 1
        if c == comma { return .comma }
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

    // MARK: Numbers

    /// The common case in one pass: an unquoted decimal number, optional spaces, then a
    /// terminator, all consumed. nil, with nothing consumed, for anything else; the
    /// caller then scans the field in full and reports what is wrong with it.
    @inline(__always)
    mutating func fastNumber() -> (Float, Terminator)? {
        var p = position
        // Small integers right before a comma or LF (pixel values, counts), in one loop.
        // base[end] is the zero sentinel, so reading one byte past a digit is safe.
        if case let first = base[p] &- 48, first < 10 {
            var value = UInt32(first)
            p += 1
            var digits = 1
            while digits < 7, case let d = base[p] &- 48, d < 10 {
                value = value * 10 + UInt32(d)
                p += 1
                digits += 1
            }
            if p < end && base[p] == comma {
                position = p + 1
                return (Float(value), .comma)
            }
            if p < end && base[p] == lineFeed {
                position = p + 1
                line += 1
                lineStart = position
                return (Float(value), .record)
            }
            p = position
        }
        while p < end && (base[p] == space || base[p] == tab) { p += 1 }
        guard let (value, next) = parseNumber(from: p), value.isFinite else { return nil }
        p = next
        while p < end && (base[p] == space || base[p] == tab) { p += 1 }
        if p < end && base[p] != comma && base[p] != lineFeed && base[p] != carriageReturn { return nil }
        position = p
        return (value, consumeTerminator())
    }

    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` starting at `start`; returns the value
    /// (not necessarily finite) and the byte after the number, or nil if there is no number.
    ///
    /// Up to 24 significant bits and a power of ten up to 10^10 give a correctly rounded
    /// Float from one exact multiplication or division (Clinger's fast path); anything
    /// longer goes to `strtof`.
    @inline(__always)
    func parseNumber(from start: Int) -> (Float, Int)? {
        var p = start
        var negative = false
        if p < end && (base[p] == UInt8(ascii: "-") || base[p] == UInt8(ascii: "+")) {
            negative = base[p] == UInt8(ascii: "-")
            p += 1
        }
        var mantissa: UInt64 = 0, digits = 0, exponent = 0
        var sawDigit = false, inexact = false
        while p < end, case let d = base[p] &- 48, d < 10 {
            sawDigit = true
            if mantissa != 0 || d != 0 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(d); digits += 1 } else { exponent += 1; inexact = true }
            }
            p += 1
        }
        if p < end && base[p] == UInt8(ascii: ".") {
            p += 1
            while p < end, case let d = base[p] &- 48, d < 10 {
                sawDigit = true
                if mantissa != 0 || d != 0 {
                    if digits < 19 { mantissa = mantissa * 10 + UInt64(d); digits += 1; exponent -= 1 } else { inexact = true }
                } else {
                    exponent -= 1
                }
                p += 1
            }
        }
        guard sawDigit else { return nil }
        if p < end && (base[p] == UInt8(ascii: "e") || base[p] == UInt8(ascii: "E")) {
            var q = p + 1
            var exponentNegative = false
            if q < end && (base[q] == UInt8(ascii: "-") || base[q] == UInt8(ascii: "+")) {
                exponentNegative = base[q] == UInt8(ascii: "-")
                q += 1
            }
            var written = 0, sawExponentDigit = false
            while q < end, case let d = base[q] &- 48, d < 10 {
                sawExponentDigit = true
                written = min(written * 10 + Int(d), 100_000)
                q += 1
            }
            guard sawExponentDigit else { return nil }
            exponent += exponentNegative ? -written : written
            p = q
        }
        if mantissa == 0 { return (negative ? -0.0 : 0, p) }
        if !inexact && mantissa <= 1 << 24 && exponent >= -10 && exponent <= 10 {
            var value = Float(mantissa)
            value = exponent >= 0 ? value * powersOfTen[exponent] : value / powersOfTen[-exponent]
            return (negative ? -value : value, p)
        }
        return (slowNumber(from: start, to: p), p)
    }

    /// `strtof` on a copy of base[start..<stop], which holds a syntactically valid number.
    func slowNumber(from start: Int, to stop: Int) -> Float {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: stop - start + 1) { buffer in
            for i in 0..<(stop - start) { buffer[i] = CChar(bitPattern: base[start + i]) }
            buffer[stop - start] = 0
            return strtof(buffer.baseAddress!, nil)
        }
    }

    /// The value of a feature field that the fast path did not take, or the error that says why not.
    func number(in field: Field, columnName: String) throws -> Float {
        if field.start == field.end {
            throw DNNError.data(file, line: field.line, column: column(of: field),
                                "the value in column '\(columnName)' is empty; expected a number")
        }
        if !field.escaped, let (value, next) = parseNumber(from: field.start), next == field.end {
            if value.isFinite { return value }
            throw DNNError.data(file, line: field.line, column: column(of: field),
                                "'\(shortText(of: field))' in column '\(columnName)' is not a finite number")
        }
        throw DNNError.data(file, line: field.line, column: column(of: field),
                            "'\(shortText(of: field))' in column '\(columnName)' is not a number")
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
        while terminator == .comma {
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
