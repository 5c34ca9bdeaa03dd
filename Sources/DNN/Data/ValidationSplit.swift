/// `data.validation: {"split": f}`: which training rows validate.
///
/// By default a seeded, stratified random subset of `round(f · N)` rows, as
/// scikit-learn's `train_test_split(stratify=y)`: every class keeps its share of the
/// validation rows (the largest-remainder rounding of `f · count` per class), drawn at
/// random within the class from a generator seeded by the config's `seed`, so the same
/// seed picks the same rows and `dnn eval` scores exactly the rows training validated
/// on. A class-sorted file (scikit-learn's wine as it ships) then validates on every
/// class, not on the last one only. Regression targets have no classes: their subset is
/// plain (`train_test_split` without `stratify`), from the same seeded generator. With
/// `shuffle: false` the LAST rows in file order validate, as Keras' `validation_split`,
/// for ordered data.
extension LabelledTable {
    /// The two parts of a split, each in file order, and warnings for classes missing from one.
    public struct Split: Sendable {
        public var train: LabelledTable
        public var validation: LabelledTable
        public var warnings: [String]
    }

    /// Splits `round(fraction · rows)` rows off as validation data (see the extension's summary).
    ///
    /// - Parameter stratified: whether the labels are classes whose shares to keep (false
    ///   for regression targets: a plain random subset, and no class warnings).
    /// - Throws: `DNNError.config("data.validation.split", ...)` when the fraction is not
    ///   in (0, 1) or either part would be empty.
    public func split(fraction: Double, shuffle: Bool, seed: UInt64, stratified: Bool = true) throws -> Split {
        var train = self
        let (validation, warnings) = try train.splitOffValidation(fraction: fraction, shuffle: shuffle, seed: seed,
                                                                  stratified: stratified)
        return Split(train: train, validation: validation, warnings: warnings)
    }

    /// `split` in place: the validation rows move out into the returned table and this
    /// table keeps the training rows, so a large training file is never held twice.
    public mutating func splitOffValidation(fraction: Double, shuffle: Bool, seed: UInt64,
                                            stratified: Bool = true) throws -> (validation: LabelledTable, warnings: [String]) {
        let isValidation = try validationRows(fraction: fraction, shuffle: shuffle, seed: seed, stratified: stratified)
        let validation = takeRows(isValidation)
        return (validation, stratified ? Self.missingClasses(train: self, validation: validation) : [])
    }

    /// Which rows `split` gives to validation, from the labels alone (a table of labels
    /// without features gives the same answer as the whole table).
    func validationRows(fraction: Double, shuffle: Bool, seed: UInt64, stratified: Bool) throws -> [Bool] {
        let path = "data.validation.split"
        guard fraction.isFinite, fraction > 0, fraction < 1 else {
            throw DNNError.config(path, "must be a fraction between 0 and 1 (exclusive), got \(fraction)")
        }
        let validationRows = Int((fraction * Double(rows)).rounded())
        guard validationRows > 0 else {
            throw DNNError.config(path, "\(fraction) of \(rows) rows leaves no validation rows", hint: "use a larger fraction")
        }
        guard validationRows < rows else {
            throw DNNError.config(path, "\(fraction) of \(rows) rows leaves no training rows", hint: "use a smaller fraction")
        }
        var isValidation = [Bool](repeating: false, count: rows)
        if shuffle {
            var random = RandomGenerator(seed: seed ^ 0x5EED_5917_7A11_DA7E)
            let chosen = stratified
                ? Self.stratifiedSample(labels ?? [String](repeating: "", count: rows), count: validationRows, random: &random)
                : Array(random.permutation(rows).prefix(validationRows))
            for row in chosen { isValidation[row] = true }
        } else {
            for row in (rows - validationRows)..<rows { isValidation[row] = true }
        }
        return isValidation
    }

    /// `count` row indices: per class (rows sharing a label) its share of `count`, the
    /// fractional parts settled largest first (ties in order of first appearance), then
    /// that many of the class's rows at random.
    static func stratifiedSample(_ labels: [String], count: Int, random: inout RandomGenerator) -> [Int] {
        var rowsOf: [String: [Int]] = [:]
        var classes: [String] = []
        for (row, label) in labels.enumerated() {
            if rowsOf[label] == nil { classes.append(label) }
            rowsOf[label, default: []].append(row)
        }
        let total = labels.count
        var quota = classes.map { rowsOf[$0]!.count * count / total }
        let byRemainder = classes.indices.sorted {
            let a = rowsOf[classes[$0]]!.count * count % total, b = rowsOf[classes[$1]]!.count * count % total
            return a != b ? a > b : $0 < $1
        }
        for index in byRemainder.prefix(count - quota.reduce(0, +)) { quota[index] += 1 }
        var chosen: [Int] = []
        for (index, label) in classes.enumerated() {
            let members = rowsOf[label]!
            chosen += random.permutation(members.count).prefix(quota[index]).map { members[$0] }
        }
        return chosen
    }

    /// Warnings for each class present in one part but not the other.
    static func missingClasses(train: LabelledTable, validation: LabelledTable) -> [String] {
        guard let trainLabels = train.labels, let validationLabels = validation.labels else { return [] }
        let inTrain = Set(trainLabels), inValidation = Set(validationLabels)
        var warnings: [String] = []
        for label in inTrain.union(inValidation).sorted() {
            if !inValidation.contains(label) {
                warnings.append("data.validation.split: class '\(label)' has no validation rows; its accuracy is not measured")
            } else if !inTrain.contains(label) {
                warnings.append("data.validation.split: class '\(label)' has no training rows; the model never sees it")
            }
        }
        return warnings
    }

    /// The rows at `indices`, in that order, with their labels and line numbers.
    func select(_ indices: [Int]) -> LabelledTable {
        var table = LabelledTable(features: [], featureCount: featureCount, featureNames: featureNames,
                                  labels: labels.map { labels in indices.map { labels[$0] } }, rows: indices.count,
                                  lineNumbers: indices.map { lineNumbers[$0] }, sampleShape: sampleShape)
        table.storage = storage.rows(indices, width: featureCount)
        table.extraTargetNames = extraTargetNames
        table.extraTargets = FeatureStorage.rows(indices, of: extraTargets, width: extraTargetNames.count)
        table.rawColumns = rawColumns
        table.classNames = classNames
        return table
    }

    /// Moves the rows where `isTaken` holds into a new table (in file order) and closes the
    /// gaps in place: only the taken rows are copied, the others move forward in their own
    /// storage (which keeps its capacity).
    mutating func takeRows(_ isTaken: [Bool]) -> LabelledTable {
        let taken = isTaken.indices.filter { isTaken[$0] }
        let part = select(taken)
        let kept = isTaken.indices.filter { !isTaken[$0] }
        storage.compact(keeping: kept, width: featureCount)
        FeatureStorage.compact(&extraTargets, keeping: kept, width: extraTargetNames.count)
        if let all = labels { labels = kept.map { all[$0] } }
        lineNumbers = kept.map { lineNumbers[$0] }
        rows = kept.count
        return part
    }
}
