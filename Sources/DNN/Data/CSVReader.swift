import Foundation

/// Reads CSV data files: a header row of column names (or none, `header: false`), then
/// one row per sample.
///
/// The format is RFC 4180 (a separator, "," by default, double-quoted fields with `""`
/// escapes, LF or CRLF line endings) with the leniencies of real files: a UTF-8 byte order
/// mark, spaces around values, no final newline, empty lines (skipped but counted, so that
/// line numbers match an editor's). A gzip-compressed file is recognised by its magic
/// bytes and read the same way (up to `Gzip.maximumDecompressedBytes` decompressed).
///
/// Numbers are parsed straight from the file's bytes, without a `String` per field, so
/// a 60,000 x 785 MNIST CSV reads in a fraction of a second. With `features`,
/// `categorical` or `missing` (`CSVOptions`), the table holds raw codes (categories as
/// indices into the file's own list of values, missing numbers as NaN) that a
/// `TableEncoding` fitted on the training rows turns into features.
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
        try read(path: path, labels: labelColumn.map { [$0] } ?? [], options: CSVOptions(), labelRequired: labelRequired)
    }

    /// Reads the CSV file at `path` as a source with `options` describes it.
    ///
    /// - Parameters:
    ///   - labels: the label column, then any further regression target columns; empty: none.
    ///   - sourcePath: the source's config path, named by errors about its keys.
    /// - Throws: as `read(path:labelColumn:labelRequired:)`, and `DNNError.config` at
    ///   `sourcePath.features[i]` (or `label`, `categorical[i]`) for a column not in the file.
    public static func read(path: String, labels: [String], options: CSVOptions, labelRequired: Bool = true,
                            sourcePath: String = "data.train") throws -> LabelledTable {
        var request = CSVRequest(labels: labels, labelRequired: labelRequired, options: options)
        request.sourcePath = sourcePath
        return try decode(try FileBytes.read(path), file: path, request)
    }

    /// Reads a CSV file's contents (raw or gzip) from memory, as `read(path:...)` reads
    /// the file: the same table and the same errors, which name `file`.
    static func decode(_ contents: [UInt8], file: String, labelColumn: String?, labelRequired: Bool = true,
                       selection: RowSelection? = nil) throws -> LabelledTable {
        var request = CSVRequest(labels: labelColumn.map { [$0] } ?? [], labelRequired: labelRequired, options: CSVOptions())
        request.selection = selection
        return try decode(contents, file: file, request)
    }

    /// Reads a CSV file's contents (raw or gzip) from memory as `request` says.
    static func decode(_ contents: [UInt8], file: String, _ request: CSVRequest) throws -> LabelledTable {
        var bytes = Gzip.isCompressed(contents) ? try Gzip.decompress(contents, file: file) : contents
        let count = bytes.count
        // A terminating zero lets the scanner look one byte ahead (CR LF) without a bounds check.
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { buffer in
            var parser = CSVParser(base: buffer.baseAddress!, end: count, file: file, separator: request.options.separator)
            return try parser.parse(request)
        }
    }

    /// Reads the rows of the CSV file at `path` that `selection` keeps, checking every row
    /// as `read` does (so every rank of `data.shard` finds the same errors). A plain file
    /// is mapped, not copied, into memory; a gzip file is inflated into a temporary file
    /// first, which is mapped in turn.
    static func read(path: String, labelColumn: String?, selection: RowSelection) throws -> LabelledTable {
        var request = CSVRequest(labels: labelColumn.map { [$0] } ?? [], labelRequired: true, options: CSVOptions())
        request.selection = selection
        return try read(path: path, request)
    }

    /// Reads the CSV file at `path` as `request` says, mapped (see `read(path:labelColumn:selection:)`).
    static func read(path: String, _ request: CSVRequest) throws -> LabelledTable {
        guard var mapped = try MappedFile(path: path) else {
            return try decode(try FileBytes.read(path), file: path, request)
        }
        if mapped.count >= 2 && mapped.bytes[0] == 0x1F && mapped.bytes[1] == 0x8B {
            mapped = try MappedFile.inflating(path)
        }
        return try withExtendedLifetime(mapped) {
            var parser = CSVParser(base: mapped.bytes, end: mapped.count, file: path, separator: request.options.separator)
            return try parser.parse(request)
        }
    }
}

/// What a read of a CSV file asks for: its label columns, its options and which rows to keep.
struct CSVRequest {
    /// The label column, then any further target columns; empty: no labels.
    var labels: [String]
    /// When false, a file without the label column is read without labels.
    var labelRequired: Bool
    var options: CSVOptions
    /// The source's config path, for errors about its keys.
    var sourcePath = "data.train"
    /// Which rows to keep (`data.shard`); nil: every row.
    var selection: RowSelection?

    init(labels: [String], labelRequired: Bool, options: CSVOptions) {
        self.labels = labels
        self.labelRequired = labelRequired
        self.options = options
    }
}
