/// The label columns of a table as regression targets, and the check that keeps a
/// classifier off numeric targets.
///
/// A CSV is read with the first label column as its labels (text, like classes); the
/// other target columns of `"label": ["y1", "y2"]` are parsed as numbers with the
/// features and then moved out of them (`movingToTargets`), so that the split and the
/// reshape carry them along with their rows.
extension LabelledTable {
    /// This table with the feature columns `names` moved into `extraTargets`, in that order.
    ///
    /// - Parameter required: when false, columns absent from the file are passed over
    ///   (`dnn predict` on data without targets).
    /// - Throws: `DNNError.data(file, ...)` for a column not in the header, with the nearest name.
    public func movingToTargets(_ names: [String], file: String, required: Bool = true) throws -> LabelledTable {
        // A NumPy y of shape (N, D) arrives with its targets already apart from x.
        if !names.isEmpty && names == extraTargetNames { return self }
        var columns: [Int] = []
        // Targets a reader has put apart already (an image index's) stay where they are.
        for name in names where !extraTargetNames.contains(name) {
            if let index = featureNames.firstIndex(of: name) {
                columns.append(index)
            } else if required {
                throw DNNError.data(file, "target column '\(name)' is not in the header (columns: "
                                        + featureNames.joined(separator: ", ") + ")",
                                    hint: nearest(name, in: featureNames).map { "did you mean '\($0)'?" })
            }
        }
        guard !columns.isEmpty else { return self }
        let kept = (0..<featureCount).filter { !columns.contains($0) }
        var table = self
        table.features = []
        table.features.reserveCapacity(rows * kept.count)
        table.extraTargets = []
        table.extraTargets.reserveCapacity(rows * columns.count)
        for row in 0..<rows {
            let values = features[(row * featureCount)..<((row + 1) * featureCount)]
            for column in kept { table.features.append(values[values.startIndex + column]) }
            for column in columns { table.extraTargets.append(values[values.startIndex + column]) }
        }
        table.featureCount = kept.count
        table.featureNames = kept.map { featureNames[$0] }
        table.rawColumns = rawColumns.map { raw in kept.map { raw[$0] } }
        table.sampleShape = [kept.count]
        table.extraTargetNames = columns.map { featureNames[$0] }
        // With `missing`, a missing target cell reads as NaN: a row cannot be trained on without it.
        if required, let index = table.extraTargets.firstIndex(where: \.isNaN) {
            let row = index / columns.count
            throw DNNError.data(file, line: row < lineNumbers.count ? lineNumbers[row] : nil,
                                "target column '\(table.extraTargetNames[index % columns.count])' is missing",
                                hint: "only rows whose first label column is missing are skipped; fill or drop this row")
        }
        return table
    }

    /// The numeric targets [rows, 1 + extraTargetNames.count], row-major: the label column's
    /// numbers, then the extra target columns.
    ///
    /// - Parameters:
    ///   - labelPath: the config key of the label column (`data.train.label`) and
    ///     `lossType` the loss, named when a label is not a number.
    /// - Throws: `DNNError.config(labelPath, ...)` for a label that is not a finite number
    ///   (classes need cross_entropy); `DNNError.data` when the table has no labels.
    public func regressionTargets(file: String, labelPath: String, lossType: String) throws -> [Float] {
        guard let labels else { throw DNNError.data(file, "has no label column; targets are needed here") }
        let extra = extraTargetNames.count, width = 1 + extra
        var targets = [Float](repeating: 0, count: rows * width)
        for row in 0..<rows {
            guard let value = ClassEncoding.numericValue(labels[row]), Float(value).isFinite else {
                let line = row < lineNumbers.count ? " line \(lineNumbers[row])" : ""
                throw DNNError.config(labelPath, "\(lossType) needs numeric targets, but \(file)\(line) holds '\(labels[row])'",
                                      hint: "for classes use loss.type cross_entropy")
            }
            targets[row * width] = Float(value)
            for j in 0..<extra { targets[row * width + 1 + j] = extraTargets[row * extra + j] }
        }
        return targets
    }

    /// Throws when the labels are all numbers and some have a fraction: regression
    /// targets, which cross-entropy would turn into one class per distinct value.
    ///
    /// - Throws: `DNNError.config(labelPath, ...)` naming the first such value and its line.
    public func checkClassLabels(file: String, labelPath: String) throws {
        guard let labels else { return }
        var firstFraction: Int?
        var seen = Set<String>()
        for (row, label) in labels.enumerated() where seen.insert(label).inserted {
            guard let value = ClassEncoding.numericValue(label) else { return }
            if firstFraction == nil && value != value.rounded() { firstFraction = row }
        }
        guard let row = firstFraction else { return }
        let line = row < lineNumbers.count ? " line \(lineNumbers[row])" : ""
        throw DNNError.config(labelPath, "cross_entropy needs classes, but the column holds non-integer numbers "
                              + "('\(labels[row])' at \(file)\(line))",
                              hint: "for numeric targets use loss.type \(LossConfig.regressionTypeNames)")
    }
}
