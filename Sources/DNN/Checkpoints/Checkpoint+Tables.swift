/// Raw data read the way a checkpoint's model was trained to see it: a CSV with the
/// training source's separator, header, features, categories and missing cells, encoded
/// by the checkpoint's `TableEncoding` (`dnn eval --data`, `dnn predict`, the Swift library).
extension Checkpoint {
    /// The CSV at `path` as this model's input table, with what the user should know
    /// (rows skipped for a missing label, values never seen in training).
    ///
    /// - Parameters:
    ///   - labels: the label column and any further target columns; empty: none.
    ///   - labelRequired: when false, absent label columns are fine (`dnn predict`).
    /// - Throws: `DNNError(.data)` naming the file for a bad row or a column the model
    ///   needs that the file lacks.
    public func readCSV(path: String, labels: [String], labelRequired: Bool) throws -> (LabelledTable, [String]) {
        var options = config.data.train.csvOptions
        if let encoding { options = encoding.readingOptions(options) }
        let table = try CSVReader.read(path: path, labels: labels, options: options, labelRequired: labelRequired,
                                       sourcePath: "data.train")
            .movingToTargets(Array(labels.dropFirst()), file: path, required: labelRequired)
        return try encode(table, file: path, what: path)
    }

    /// A table read from one of the checkpoint config's own sources, encoded as training encoded it.
    ///
    /// - Parameter what: the split ("data.test"), for the warning about unseen values.
    /// The table's own warnings move into the result, so that they are printed once.
    public func encode(_ table: consuming LabelledTable, file: String, what: String) throws -> (LabelledTable, [String]) {
        var warnings = table.warnings
        table.warnings = []
        guard let encoding, table.rawColumns != nil else { return (table, warnings) }
        let (encoded, note) = try encoding.apply(to: table, file: file, what: what)
        if let note { warnings.append(note) }
        return (encoded, warnings)
    }

    /// Reads a source of the checkpoint's config with the training source's columns.
    public func read(_ source: DataSource, at sourcePath: String) throws -> LabelledTable {
        try RawData.read(source.sharingColumns(of: config.data.train), at: sourcePath)
    }
}
