/// The optional keys of a `csv` source that describe a table as real files come: which
/// columns are features, which are categories to one-hot encode, which cells are missing
/// and how they are filled, the separator, and whether there is a header row.
///
/// Column references are names; with `header: false` the columns are named "0", "1", ...
/// and the config may give them as numbers (decoded to those names).
public struct CSVOptions: Equatable, Sendable {
    /// `features`: the feature columns in this order; nil: every column but the labels, in file order.
    public var features: [String]?
    /// `categorical`: the columns one-hot encoded (scikit-learn's `OneHotEncoder(handle_unknown="ignore")`).
    public var categorical: [String] = []
    /// `missing`: which cells are missing and how numeric ones are filled; nil: a missing cell is an error.
    public var missing: MissingValues?
    /// `separator`: the one ASCII byte between fields (",").
    public var separator = UInt8(ascii: ",")
    /// `header`: whether the first row names the columns (true).
    public var header = true

    /// Plain comma-separated values with a header row.
    public init() {}

    /// Whether the table needs a `TableEncoding` (a choice of features, categories or
    /// missing cells), which is fitted on the training rows and stored with the model.
    /// Separator and header alone change only how the file is split into fields.
    public var isEncoded: Bool { features != nil || !categorical.isEmpty || missing != nil }
}

/// `missing`: `{"values": [...], "strategy": "mean", "fill": 0, "indicator": false}`, as
/// scikit-learn's `SimpleImputer(missing_values, strategy, fill_value, add_indicator)`.
public struct MissingValues: Equatable, Sendable {
    /// The cell texts that mean "missing" (after unquoting and trimming spaces).
    public var values: [String] = MissingValues.defaultValues
    /// How a numeric column's missing cells are filled.
    public var strategy: ImputeStrategy = .mean
    /// The value of `strategy: "constant"`.
    public var fill: Double = 0
    /// Whether a 0/1 column is appended for each numeric column that had a missing training value.
    public var indicator = false

    /// The defaults of `missing` (`{}`).
    public init() {}

    /// The cells pandas, R and spreadsheets write for a missing value.
    public static let defaultValues = ["", "NA", "N/A", "NaN", "nan", "?"]
}

/// `missing.strategy`: the fill value of a numeric column, from its training values.
public enum ImputeStrategy: String, Equatable, Sendable, CaseIterable {
    /// The mean of the column's present values.
    case mean
    /// The median (the mean of the two middle values for an even count).
    case median
    /// The most frequent value, the smallest of equally frequent ones.
    case mostFrequent = "most_frequent"
    /// `missing.fill`.
    case constant
}

extension ConfigDecoder {
    /// The keys a `csv` source may have.
    static let csvKeys = ["format", "path", "label", "features", "categorical", "missing", "separator", "header"]

    /// The optional keys of a csv source (`features`, `categorical`, `missing`,
    /// `separator`, `header`), each recorded with its resolved value.
    func csvOptions(_ object: ConfigObject, labels: [String]) throws -> CSVOptions {
        var options = CSVOptions()
        options.header = try object.bool("header", default: true)
        options.separator = try separator(object)
        options.features = try columnList(object, "features", allowEmpty: false)
        if options.features == nil { object.record("features", .null) }
        if let features = options.features, let label = labels.first(where: features.contains) {
            let index = features.firstIndex(of: label)!
            throw DNNError.config(object.path("features") + "[\(index)]", "'\(label)' is a label column, not a feature",
                                  hint: "remove it from features")
        }
        options.categorical = try columnList(object, "categorical", allowEmpty: true) ?? []
        object.record("categorical", .array(options.categorical.map { .string($0) }))
        for (index, name) in options.categorical.enumerated() {
            let at = object.path("categorical") + "[\(index)]"
            if labels.contains(name) {
                throw DNNError.config(at, "'\(name)' is a label column; labels are classes already",
                                      hint: "remove it from categorical")
            }
            if let features = options.features, !features.contains(name) {
                throw DNNError.config(at, "'\(name)' is not one of the features",
                                      hint: nearest(name, in: features).map { "did you mean '\($0)'?" } ?? "add it to features")
            }
        }
        options.missing = try object.optional("missing") { try ConfigDecoder.missing($0, at: $1) }
        return options
    }

    /// `separator`: one ASCII character other than a quote or a line break.
    private func separator(_ object: ConfigObject) throws -> UInt8 {
        guard let value = object["separator"] else {
            object.record("separator", ",")
            return UInt8(ascii: ",")
        }
        let text = try ConfigValue.string(value, at: object.path("separator"), expected: "one character, e.g. \";\" or \"\\t\"")
        let bytes = Array(text.utf8)
        guard bytes.count == 1, bytes[0] < 0x80, !"\"\n\r".utf8.contains(bytes[0]) else {
            throw DNNError.config(object.path("separator"), "must be one ASCII character other than a quote or a line break, "
                                  + "got \(value.quotedForMessage)", hint: "e.g. \",\", \";\" or \"\\t\"")
        }
        object.record("separator", .string(text))
        return bytes[0]
    }

    /// A list of distinct column references (names, or numbers for `header: false`); nil when absent.
    private func columnList(_ object: ConfigObject, _ key: String, allowEmpty: Bool) throws -> [String]? {
        guard let value = object[key] else { return nil }
        let path = object.path(key)
        guard case .array(let items) = value else {
            throw DNNError.config(path, "expected a list of column names, got \(value.quotedForMessage)")
        }
        guard allowEmpty || !items.isEmpty else {
            throw DNNError.config(path, "the list of columns is empty", hint: "remove the key to use every column")
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let name = try ConfigDecoder.columnReference(item, at: "\(path)[\(index)]")
            guard !names.contains(name) else {
                throw DNNError.config("\(path)[\(index)]", "column '\(name)' is listed twice")
            }
            names.append(name)
        }
        object.record(key, .array(names.map { .string($0) }))
        return names
    }

    /// A column by name, or by its 0-based number (the name of a column of a file without a header).
    static func columnReference(_ value: JSON, at path: String) throws -> String {
        if case .number = value { return String(try ConfigValue.int(value, at: path, minimum: 0)) }
        return try ConfigValue.string(value, at: path, expected: "a column name (a string) or a column number")
    }

    /// `missing`: an object whose keys all have defaults (`{}` is the default policy).
    static func missing(_ json: JSON, at path: String) throws -> (MissingValues, JSON) {
        let object = try ConfigObject(json, at: path, keys: ["values", "strategy", "fill", "indicator"], what: path,
                                      expected: "{\"values\": [\"\", \"NA\"], \"strategy\": \"mean\", \"fill\": 0, \"indicator\": false}")
        var missing = MissingValues()
        if let value = object["values"] {
            guard case .array(let items) = value, !items.isEmpty else {
                throw DNNError.config(object.path("values"), "expected a non-empty list of strings, got \(value.quotedForMessage)")
            }
            missing.values = try items.enumerated().map { index, item in
                // "" is a legitimate marker: the empty cell.
                guard case .string(let text) = item else {
                    throw DNNError.config(object.path("values") + "[\(index)]", "expected a string, got \(item.quotedForMessage)")
                }
                return text.trimmingSpaces
            }
        }
        object.record("values", .array(missing.values.map { .string($0) }))
        let strategy = try object.choice("strategy", default: "mean", options: ImputeStrategy.allCases.map(\.rawValue),
                                         what: "strategy")
        missing.strategy = ImputeStrategy(rawValue: strategy) ?? .mean
        missing.fill = try object.double("fill", default: 0, .any)
        missing.indicator = try object.bool("indicator", default: false)
        return (missing, object.resolvedJSON)
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs (how a CSV cell is compared).
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
