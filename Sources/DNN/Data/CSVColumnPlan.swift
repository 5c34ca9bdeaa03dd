/// What the CSV parser does with each column of a file, decided once from the header:
/// the label, a numeric feature, a categorical feature (kept as a code into the file's
/// own list of its values), or nothing.
///
/// Features land in "slots" in `features` order (then any extra target columns of a
/// regression, which `movingToTargets` moves out), so the parser writes each row straight
/// into its place whatever the file's column order.
struct CSVColumnPlan {
    enum Role: Equatable {
        case skip
        case label
        case number(slot: Int)
        case category(slot: Int)
    }

    /// One role per column of the file.
    var roles: [Role]
    /// The column name of each slot.
    var slotNames: [String]
    /// Whether each slot is categorical.
    var isCategorical: [Bool]
    /// The name of each column of the file, for errors.
    var columnNames: [String]
    /// The cells that mean "missing" (trimmed); nil when `missing` is not set.
    var missingValues: Set<String>?
    /// Whether the table's values still need a `TableEncoding` (categories as codes,
    /// missing numbers as NaN).
    var isEncoded: Bool

    var slotCount: Int { slotNames.count }
    var labelIndex: Int? { roles.firstIndex(of: .label) }

    /// The plan for a file whose columns are `names`.
    ///
    /// - Parameters:
    ///   - labels: the label column, then any further target columns (read as numbers).
    ///   - labelRequired: when false and the first label column is absent, the file is
    ///     read without labels (`dnn predict`).
    ///   - options: the source's `features`, `categorical` and `missing`.
    ///   - sourcePath: the source's config path (`data.train`), named in errors.
    /// - Throws: `DNNError.config` at `sourcePath.label`, `.features[i]` or
    ///   `.categorical[i]` for a column not in the file, with the nearest name.
    init(names: [String], labels: [String], labelRequired: Bool, options: CSVOptions, sourcePath: String,
         file: String) throws {
        var roles = [Role](repeating: .skip, count: names.count)
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        func column(_ name: String, _ key: String) throws -> Int {
            guard let found = index[name] else {
                throw DNNError.config("\(sourcePath).\(key)", "column '\(name)' is not in the header of \(file) "
                                      + "(columns: \(ClassEncoding.list(names)))",
                                      hint: nearest(name, in: names).map { "did you mean '\($0)'?" })
            }
            return found
        }
        if let label = labels.first, labelRequired || index[label] != nil {
            roles[try column(label, "label")] = .label
        }
        let targets = labels.dropFirst().filter { labelRequired || index[$0] != nil }
        let features = try options.features.map { list in
            try list.enumerated().map { try column($1, "features[\($0)]") }
        } ?? names.indices.filter { !labels.contains(names[$0]) }
        let categorical = Set(try options.categorical.enumerated().map { try column($1, "categorical[\($0)]") })
        let columns = features + (try targets.map { try column($0, "label") })
        for (slot, column) in columns.enumerated() {
            roles[column] = categorical.contains(column) ? .category(slot: slot) : .number(slot: slot)
        }
        self.roles = roles
        slotNames = columns.map { names[$0] }
        isCategorical = columns.map { categorical.contains($0) }
        missingValues = options.missing.map { Set($0.values) }
        columnNames = names
        isEncoded = options.isEncoded
    }
}
