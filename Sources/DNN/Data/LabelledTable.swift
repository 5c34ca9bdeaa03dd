/// A data file as read, before classes are numbered and features normalised: the
/// common result of `CSVReader` and `IDXReader`.
///
/// Labels stay text here because the class numbering depends on the training split
/// (`ClassEncoding.infer`), and line numbers stay with the rows so that a bad label
/// found later can still be reported at its line.
public struct LabelledTable: Sendable, Equatable {
    /// [rows, featureCount], row-major: every column but the label, in file order; floats,
    /// or bytes for images.
    public var storage: FeatureStorage
    /// The features as floats: a float table's own storage, changed in place; a copy of
    /// a byte table's values.
    public var features: [Float] {
        get { storage.floats }
        _modify {
            var values: [Float]
            if case .floats(let floats) = storage { values = floats } else { values = storage.floats }
            storage = .floats([])
            defer { storage = .floats(values) }
            yield &values
        }
        set { storage = .floats(newValue) }
    }
    /// The number of features per row.
    public var featureCount: Int
    /// The header names of the feature columns (`pixel0`... for IDX).
    public var featureNames: [String]
    /// The label of each row as text (trimmed, unquoted); nil when read without a label column.
    public var labels: [String]?
    /// The number of data rows.
    public var rows: Int
    /// The 1-based line of each data row in its file (for IDX, the 1-based sample index),
    /// for error messages about a row found after reading.
    public var lineNumbers: [Int]
    /// The shape of one sample: [featureCount] for CSV, [1, H, W] for IDX, or the model's
    /// `input_shape` after `reshaped(to:file:)`.
    public var sampleShape: [Int]
    /// The label columns after the first of a regression with several targets, moved out
    /// of the features (`movingToTargets`): their names, and [rows, count] values.
    public var extraTargetNames: [String] = []
    public var extraTargets: [Float] = []
    /// A table read with `features`, `categorical` or `missing`: what each feature column
    /// holds before its `TableEncoding` (a category code, or a number with NaN for a
    /// missing cell); nil once encoded, and for plain numeric tables.
    public var rawColumns: [RawColumn]?
    /// What the reader wants the user to know (rows skipped for a missing label).
    public var warnings: [String] = []
    /// Every class of the source in index order, when the source itself defines them
    /// (CIFAR's names file, an `.npz`'s `classes`): the labels are these names, and class i
    /// is `classNames[i]` whether or not the rows hold it. Nil: the contract's numbering.
    public var classNames: [String]?
    /// A text's targets, one class per position ([rows, featureCount]); empty otherwise.
    public var positionLabels: [Int32] = []

    /// A table from its parts; `features.count` must be `rows * featureCount`.
    public init(features: [Float], featureCount: Int, featureNames: [String], labels: [String]?, rows: Int,
                lineNumbers: [Int], sampleShape: [Int]) {
        self.storage = .floats(features)
        self.featureCount = featureCount
        self.featureNames = featureNames
        self.labels = labels
        self.rows = rows
        self.lineNumbers = lineNumbers
        self.sampleShape = sampleShape
    }

    /// This table, an empty one left in its place: hands the rows on without keeping a
    /// reference, so that their next owner changes them in place instead of copying.
    public mutating func take() -> LabelledTable {
        let table = self
        self = LabelledTable(features: [], featureCount: featureCount, featureNames: [], labels: nil, rows: 0,
                             lineNumbers: [], sampleShape: sampleShape)
        return table
    }

    /// The features, the table left without them (as `take()`, for the features alone).
    mutating func takeStorage() -> FeatureStorage {
        let values = storage
        storage = .floats([])
        return values
    }
}

/// One feature column of a table as read, before encoding.
public struct RawColumn: Sendable, Equatable {
    /// The column's name in the file ("3" without a header row).
    public var name: String
    /// A categorical column's values in order of first appearance in the file: the table
    /// holds each cell as its index here (-1 for a missing cell). nil: a numeric column,
    /// whose missing cells are NaN.
    public var categories: [String]?

    public init(name: String, categories: [String]?) {
        self.name = name
        self.categories = categories
    }
}
