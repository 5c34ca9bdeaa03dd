/// How the raw columns of a CSV table become the features a model sees: one-hot blocks
/// for categorical columns, fill values for missing numbers, and 0/1 indicator columns.
///
/// Fitted on the training rows (`EncodingStatistics`), stored with the model (checkpoint
/// metadata `encoding`, ONNX `metadata_props` `dnn_encoding`) and applied unchanged to
/// validation, test, `dnn eval` and `dnn predict` rows. It matches scikit-learn's
/// `OneHotEncoder(handle_unknown="ignore")` on the categorical columns and
/// `SimpleImputer(strategy, add_indicator=True)` on the numeric ones.
///
/// Encoded order: the columns in `features` order, each categorical one replaced by its
/// one-hot block, then the indicator columns in column order.
public struct TableEncoding: Equatable, Sendable {
    /// One raw column and how it is encoded.
    public struct Column: Equatable, Sendable {
        /// The column's name in the file.
        public var name: String
        /// A categorical column's categories in block order (sorted as class labels are);
        /// nil, the last entry, is the category of missing cells when training had one.
        /// nil for a numeric column.
        public var categories: [String?]?
        /// A numeric column's value for a missing cell (unused for categorical columns).
        public var fill: Float
        /// Whether a 0/1 column marks this column's missing cells (it had a missing training value).
        public var indicator: Bool

        public init(name: String, categories: [String?]?, fill: Float, indicator: Bool) {
            self.name = name
            self.categories = categories
            self.fill = fill
            self.indicator = indicator
        }

        /// How many encoded features the column gives, its indicator aside.
        var width: Int { categories?.count ?? 1 }
    }

    public var columns: [Column]
    /// The cells that mean "missing" (`missing.values`); empty without `missing`.
    public var missingValues: [String]

    public init(columns: [Column], missingValues: [String]) {
        self.columns = columns
        self.missingValues = missingValues
    }

    /// The encoded features per row.
    public var encodedCount: Int {
        columns.reduce(0) { $0 + $1.width + ($1.indicator ? 1 : 0) }
    }

    /// The encoded feature names: `island=Biscoe`, `island=<missing>`, `bill_length_mm`, `missing:sex`.
    public var featureNames: [String] {
        var names: [String] = []
        for column in columns {
            if let categories = column.categories {
                names += categories.map { "\(column.name)=\($0 ?? "<missing>")" }
            } else {
                names.append(column.name)
            }
        }
        return names + columns.filter(\.indicator).map { "missing:\($0.name)" }
    }

    /// The columns a source reads to be encoded this way: `features` and `categorical`
    /// from the encoding, `missing.values` from it too; separator and header from `options`.
    public func readingOptions(_ options: CSVOptions) -> CSVOptions {
        var reading = options
        reading.features = columns.map(\.name)
        reading.categorical = columns.filter { $0.categories != nil }.map(\.name)
        if reading.missing == nil && !missingValues.isEmpty { reading.missing = MissingValues() }
        reading.missing?.values = missingValues
        return reading
    }
}
