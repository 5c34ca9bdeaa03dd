import Foundation

/// The data rows: each parsed straight into its slots, as the column plan says.
extension CSVParser {
    /// The rows read so far: the kept rows' features, labels and lines, and how many rows
    /// were seen in all (kept or not, skipped ones aside).
    struct Rows {
        var features: [Float] = []
        var labels: [String] = []
        var lineNumbers: [Int] = []
        var count = 0
    }

    /// Parses every data row: the rows `selection` keeps (all without one) into `Rows`,
    /// the others checked, shown to `selection.visit`, then forgotten. A row whose label is
    /// missing (one of `missing.values`) is counted in `skippedRows` and is no row at all.
    mutating func parseRows(plan: CSVColumnPlan, selection: RowSelection?, hasLabels: Bool) throws -> Rows {
        var rows = Rows()
        let width = plan.slotCount
        rows.features.reserveCapacity(featureCapacity(width: width, selection: selection))
        // A row `selection` drops is parsed here, checked as any other, then forgotten.
        var dropped = [Float](repeating: 0, count: width)
        while true {
            skipEmptyLines()
            if position >= end { break }
            let keep = selection?.keeps(rows.count) ?? true
            let labelCount = rows.labels.count, rowLine = line
            var present = true
            if keep {
                let rowStart = rows.features.count
                rows.features.append(contentsOf: repeatElement(0, count: width))
                present = try rows.features.withUnsafeMutableBufferPointer { buffer in
                    try parseRow(into: buffer.baseAddress! + rowStart, plan: plan, labels: &rows.labels)
                }
                if !present { rows.features.removeLast(width) }
            } else {
                present = try dropped.withUnsafeMutableBufferPointer { buffer in
                    try parseRow(into: buffer.baseAddress!, plan: plan, labels: &rows.labels)
                }
            }
            guard present else {
                if skippedRows == 0 { firstSkippedLine = rowLine }
                skippedRows += 1
                continue
            }
            if let visit = selection?.visit {
                if keep {
                    rows.features.withUnsafeBufferPointer { visit(rows.count, UnsafeBufferPointer(rebasing: $0[(rows.features.count - width)...])) }
                } else {
                    dropped.withUnsafeBufferPointer { visit(rows.count, $0) }
                }
            }
            if keep || selection?.labelsOnly == true {
                rows.lineNumbers.append(rowLine)
            } else if rows.labels.count > labelCount {
                rows.labels.removeLast()
            }
            rows.count += 1
        }
        return rows
    }

    /// How many floats to reserve for the features of a read.
    func featureCapacity(width: Int, selection: RowSelection?) -> Int {
        if let selection {
            // The row count is unknown before parsing: a read of every row reserves nothing.
            return selection.keptCount(of: 0) * width
        }
        // Every feature takes at least one byte of the file, which bounds the estimate
        // (empty lines count as rows in it, and a header of many columns must not make
        // them a huge allocation).
        let (estimate, overflow) = estimatedRows().multipliedReportingOverflow(by: width)
        return overflow ? end : min(estimate, end)
    }

    /// Parses one data row: its features into their slots of out[0..<slotCount], its label
    /// onto `labels`. Returns false, with no label appended, when the label is missing.
    mutating func parseRow(into out: UnsafeMutablePointer<Float>, plan: CSVColumnPlan, labels: inout [String]) throws -> Bool {
        let columnCount = plan.roles.count
        var present = true
        for column in 0..<columnCount {
            let role = plan.roles[column]
            let terminator: Terminator
            if case .number(let slot) = role, let (value, ending) = fastNumber() {
                out[slot] = value
                terminator = ending
            } else {
                let field = try scanField()
                switch role {
                case .label: present = try appendLabel(field, plan: plan, column: column, to: &labels)
                case .number(let slot): out[slot] = try number(in: field, columnName: plan.columnNames[column], plan: plan)
                case .category(let slot): out[slot] = try categoryCode(field, slot: slot, plan: plan)
                case .skip: break
                }
                terminator = field.terminator
                if terminator != .separator && column < columnCount - 1 {
                    throw DNNError.data(file, line: lineAt(field.terminatorPosition, after: field),
                                        column: columnAt(field.terminatorPosition, after: field),
                                        "expected \(columnCount) fields, found \(column + 1)")
                }
            }
            if terminator == .separator && column == columnCount - 1 {
                try throwTooManyFields(expected: columnCount)
            }
            if terminator != .separator && column < columnCount - 1 {
                // Only the fast path gets here: the missing field starts where the line ended.
                throw tooFewFieldsAfterFastNumber(expected: columnCount, found: column + 1)
            }
        }
        return present
    }

    /// Appends the label in `field`; false when it is missing (one of `missing.values`).
    func appendLabel(_ field: Field, plan: CSVColumnPlan, column: Int, to labels: inout [String]) throws -> Bool {
        let label = text(of: field)
        if let missing = plan.missingValues, missing.contains(label) { return false }
        if label.isEmpty {
            throw DNNError.data(file, line: field.line, column: self.column(of: field),
                                "the label in column '\(plan.columnNames[column])' is empty",
                                hint: "add \"missing\": {} to the csv source to skip rows without a label")
        }
        labels.append(label)
        return true
    }

    /// A categorical cell as a code into its slot's vocabulary (-1: missing).
    mutating func categoryCode(_ field: Field, slot: Int, plan: CSVColumnPlan) throws -> Float {
        let value = text(of: field)
        if let missing = plan.missingValues, missing.contains(value) { return -1 }
        if value.isEmpty && plan.missingValues == nil {
            throw DNNError.data(file, line: field.line, column: column(of: field),
                                "the value in column '\(plan.slotNames[slot])' is empty",
                                hint: "add \"missing\": {} to the csv source to make a missing cell a category of its own")
        }
        if let code = codes[slot][value] { return Float(code) }
        let code = vocabularies[slot].count
        // Codes are exact in a Float up to 2^24.
        guard code < 1 << 24 else {
            throw DNNError.data(file, line: field.line, column: column(of: field),
                                "column '\(plan.slotNames[slot])' has more than \(grouped(1 << 24)) distinct values; "
                                    + "it cannot be one-hot encoded")
        }
        codes[slot][value] = code
        vocabularies[slot].append(value)
        return Float(code)
    }
}
