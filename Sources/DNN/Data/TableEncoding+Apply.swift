extension TableEncoding {
    /// The table's rows encoded: every row of `rawColumns` values becomes `encodedCount`
    /// features (see `TableEncoding`).
    ///
    /// - Parameters:
    ///   - file: the table's file, and `what` the split ("data.validation"), for messages.
    /// - Returns: the encoded table, and one warning line when some categorical values were
    ///   never seen in training (they encode as all zeros, as `handle_unknown="ignore"`).
    /// - Throws: `DNNError.data(file, ...)` when the table lacks one of the columns or
    ///   holds it as the other kind (categorical or numeric).
    public func apply(to table: consuming LabelledTable, file: String, what: String) throws -> (LabelledTable, String?) {
        let raw = table.rawColumns ?? table.featureNames.map { RawColumn(name: $0, categories: nil) }
        let lookups = try lookups(for: raw, file: file)
        let width = encodedCount, rows = table.rows, rawWidth = table.featureCount
        var unseen = [Int](repeating: 0, count: columns.count)
        var encoded = [Float](repeating: 0, count: rows * width)
        encoded.withUnsafeMutableBufferPointer { out in
            table.features.withUnsafeBufferPointer { values in
                for row in 0..<rows {
                    encodeRow(values.baseAddress! + row * rawWidth, into: out.baseAddress! + row * width,
                              lookups: lookups, unseen: &unseen)
                }
            }
        }
        table.features = encoded
        table.featureCount = width
        table.featureNames = featureNames
        table.sampleShape = [width]
        table.rawColumns = nil
        return (table, unseenWarning(unseen, file: file, what: what))
    }

    /// Where each encoded column is in a table of `raw` columns, and for a categorical one
    /// the block index of each of the file's codes.
    func lookups(for raw: [RawColumn], file: String) throws -> [(source: Int, blockIndex: [Int]?)] {
        try columns.map { column -> (source: Int, blockIndex: [Int]?) in
            guard let source = raw.firstIndex(where: { $0.name == column.name }) else {
                throw DNNError.data(file, "has no column '\(column.name)', which the model was trained on")
            }
            guard (raw[source].categories == nil) == (column.categories == nil) else {
                throw DNNError.data(file, "column '\(column.name)' is \(column.categories == nil ? "numeric" : "categorical") "
                                    + "in the model but was read as \(column.categories == nil ? "categorical" : "numeric")")
            }
            return (source, raw[source].categories.map { blockIndices($0, of: column) })
        }
    }

    /// A function that encodes one raw row of a table of `raw` columns into
    /// `encodedCount` values (zeroed first), as `apply` does.
    func rowEncoder(for raw: [RawColumn], file: String) throws -> (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void {
        let lookups = try lookups(for: raw, file: file)
        let width = encodedCount
        return { values, out in
            out.update(repeating: 0, count: width)
            var unseen = [Int](repeating: 0, count: columns.count)
            encodeRow(values, into: out, lookups: lookups, unseen: &unseen)
        }
    }

    /// For each code of a file's category list, its index in the column's one-hot block
    /// (-1: never seen in training); the code -1 (missing) is the last entry.
    func blockIndices(_ fileCategories: [String], of column: Column) -> [Int] {
        let categories = column.categories ?? []
        var index: [String: Int] = [:]
        for (position, category) in categories.enumerated() { if let category { index[category] = position } }
        let missing = categories.firstIndex(where: { $0 == nil }) ?? -1
        return fileCategories.map { index[$0] ?? -1 } + [missing]
    }

    /// Encodes one row of raw values (codes or numbers) into `out[0..<encodedCount]`.
    func encodeRow(_ values: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                   lookups: [(source: Int, blockIndex: [Int]?)], unseen: inout [Int]) {
        var slot = 0
        var indicatorSlot = columns.reduce(0) { $0 + $1.width }
        for (index, column) in columns.enumerated() {
            let value = values[lookups[index].source]
            if let blockIndex = lookups[index].blockIndex {
                // Codes are exact integers: -1 (missing) is the last entry of blockIndex.
                let code = value < 0 ? blockIndex.count - 1 : Int(value)
                let position = blockIndex[code]
                if position >= 0 { out[slot + position] = 1 } else { unseen[index] += 1 }
                if column.indicator {
                    out[indicatorSlot] = value < 0 ? 1 : 0
                    indicatorSlot += 1
                }
            } else {
                out[slot] = value.isNaN ? column.fill : value
                if column.indicator {
                    out[indicatorSlot] = value.isNaN ? 1 : 0
                    indicatorSlot += 1
                }
            }
            slot += column.width
        }
    }

    /// One line for every value never seen in training, or nil when there was none.
    func unseenWarning(_ unseen: [Int], file: String, what: String) -> String? {
        let total = unseen.reduce(0, +)
        guard total > 0 else { return nil }
        let parts = zip(columns, unseen).filter { $1 > 0 }.map { "\($0.name): \($1)" }
        return "\(what == file ? file : "\(what) (\(file))"): \(grouped(total)) categorical value\(total == 1 ? "" : "s") never seen in training "
            + "encoded as all zeros (\(parts.joined(separator: ", ")))"
    }
}
