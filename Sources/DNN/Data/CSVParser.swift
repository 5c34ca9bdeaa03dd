import Foundation

let quote = UInt8(ascii: "\""), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

/// A byte-level CSV scanner over a buffer that ends with a zero byte at `end`.
struct CSVParser {
    /// What ended a field.
    enum Terminator { case separator, record, endOfFile }

    /// One field's place in the buffer.
    struct Field {
        /// The content, without surrounding spaces or quotes: base[start..<end].
        var start: Int
        var end: Int
        /// Whether the content holds `""` escapes to be turned into `"`.
        var escaped: Bool
        /// Where the field starts (after the previous separator), for error messages.
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
    /// The byte between fields.
    let separator: UInt8
    /// The blank trimmed around fields besides a space: a tab, unless tabs separate fields.
    let otherBlank: UInt8
    /// The next byte to read.
    var position = 0
    /// The line of `position`, 1-based, and the byte at which that line starts.
    var line = 1
    var lineStart = 0
    /// Each categorical slot's values in order of first appearance, and each value's code.
    var vocabularies: [[String]] = []
    var codes: [[String: Int]] = []
    /// Rows passed over because their label is missing: how many, and the first one's line.
    var skippedRows = 0
    var firstSkippedLine = 0

    init(base: UnsafePointer<UInt8>, end: Int, file: String, separator: UInt8 = UInt8(ascii: ",")) {
        self.base = base
        self.end = end
        self.file = file
        self.separator = separator
        otherBlank = separator == tab ? space : tab
    }

    /// The table `request` asks for.
    mutating func parse(_ request: CSVRequest) throws -> LabelledTable {
        if bomLength > 0 {
            position = bomLength
            lineStart = bomLength
        }
        skipEmptyLines()
        guard position < end else {
            let expected = request.options.header ? "a header row of column names" : "data rows"
            throw DNNError.data(file, line: line, column: 1, "the file is empty; expected \(expected)")
        }
        let headerLine = line
        let names = try columnNames(header: request.options.header)
        let labelIndex = try labelIndex(request.labels.first, required: request.labelRequired, names: names,
                                        headerLine: headerLine)
        let encoded = request.options.isEncoded
        let plan = try CSVColumnPlan(names: names, labels: encoded ? request.labels : Array(request.labels.prefix(1)),
                                     labelRequired: request.labelRequired, options: request.options,
                                     sourcePath: request.sourcePath, file: file)
        vocabularies = [[String]](repeating: [], count: plan.slotCount)
        codes = [[String: Int]](repeating: [:], count: plan.slotCount)
        var rows = try parseRows(plan: plan, selection: request.selection, hasLabels: labelIndex != nil)
        guard rows.count > 0 else {
            throw DNNError.data(file, line: headerLine, column: 1,
                                skippedRows > 0 ? "every data row has a missing label" : "no data rows after the header")
        }
        if let selection = request.selection { try selection.checkRowCount(rows.count, file: file) }
        let labelsOnly = request.selection?.labelsOnly == true
        var table = LabelledTable(features: labelsOnly ? [] : rows.features, featureCount: labelsOnly ? 0 : plan.slotCount,
                                  featureNames: labelsOnly ? [] : plan.slotNames,
                                  labels: labelIndex == nil ? nil : rows.labels,
                                  rows: labelsOnly ? rows.count : rows.lineNumbers.count, lineNumbers: rows.lineNumbers,
                                  sampleShape: [labelsOnly ? 0 : plan.slotCount])
        rows.features = []
        // A first pass of `data.shard` (labels only) learns the columns' kinds and values too.
        if plan.isEncoded {
            table.rawColumns = plan.slotNames.indices.map { slot in
                RawColumn(name: plan.slotNames[slot], categories: plan.isCategorical[slot] ? vocabularies[slot] : nil)
            }
        }
        if skippedRows > 0 {
            table.warnings.append("\(file): \(grouped(skippedRows)) row\(skippedRows == 1 ? "" : "s") with a missing label "
                                  + "skipped (the first at line \(firstSkippedLine))")
        }
        return table
    }

    /// The column names: the header row's, checked to be present and distinct; or, without
    /// a header, "0", "1", ... for the fields of the first row (which stays a data row).
    mutating func columnNames(header: Bool) throws -> [String] {
        let names: [String]
        var first: Field
        if header {
            (names, first) = try parseHeader()
        } else {
            let (start, startLine, startLineStart) = (position, line, lineStart)
            first = try scanField()
            var count = 1, terminator = first.terminator
            while terminator == .separator {
                terminator = try scanField().terminator
                count += 1
            }
            (position, line, lineStart) = (start, startLine, startLineStart)
            names = (0..<count).map(String.init)
        }
        if names.count == 1 {
            // One column whose text holds another likely separator: the file is not split as it should be.
            let text = text(of: first)
            for (candidate, written) in [(UInt8(ascii: ";"), ";"), (tab, "\\t"), (UInt8(ascii: ","), ",")]
            where candidate != separator && text.utf8.contains(candidate) {
                throw DNNError.data(file, line: first.line, column: 1,
                                    "the \(header ? "header" : "first row") has one column, '\(String(text.prefix(40)))', "
                                        + "which contains '\(written)'",
                                    hint: "set \"separator\": \"\(written)\" in the csv source")
            }
        }
        return names
    }

    /// The header row: the column names, checked to be present and distinct, and its first field.
    mutating func parseHeader() throws -> ([String], Field) {
        var names: [String] = []
        // Each name's column index, so a header of many columns is checked in linear time.
        var columnOfName: [String: Int] = [:]
        var firstField: Field?
        while true {
            let field = try scanField()
            if firstField == nil { firstField = field }
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
            if field.terminator != .separator { break }
        }
        return (names, firstField!)
    }

    /// The label column's index: nil without one (or when it is optional and absent).
    func labelIndex(_ labelColumn: String?, required: Bool, names: [String], headerLine: Int) throws -> Int? {
        guard let labelColumn else { return nil }
        guard let index = names.firstIndex(of: labelColumn) else {
            guard required else { return nil }
            let hint = nearest(labelColumn, in: names).map { "did you mean '\($0)'?" }
            throw DNNError.data(file, line: headerLine, column: 1,
                                "label column '\(labelColumn)' is not in the header (columns: "
                                    + names.joined(separator: ", ") + ")", hint: hint)
        }
        return index
    }
}
