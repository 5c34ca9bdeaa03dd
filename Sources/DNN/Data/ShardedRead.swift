/// What a `data.shard` read learnt from every training row, though it kept only its own:
/// what `prepare` would otherwise compute from the whole training table.
public struct ShardStatistics: Sendable {
    /// Every training row's label and line, without features: the class numbering, the
    /// label checks and balanced class weights see them all, on every rank alike.
    public var trainLabels: LabelledTable
    /// `data.normalize` fitted on every training row.
    public var normalization: Normalization
    /// `data.normalize_target` fitted on every training row (regression).
    public var targetNormalization: Normalization
}

extension RawData {
    /// `data.shard` on rank `rank` of `ranks`: the training rows this rank trains on (its
    /// contiguous share of the training rows in file order, as `Communicator.share`), its
    /// share of the validation rows (which it scores; `DataParallel.evaluate` sums the
    /// ranks' scores), the whole test data, and statistics of every training row.
    ///
    /// Two passes over the training file: the first reads only the labels, which decide
    /// the validation split; the second streams the features (a plain CSV mapped, IDX
    /// inflated piece by piece), keeps this rank's shares, and gathers the normalisation's
    /// statistics from every training row as it passes. Every rank
    /// checks every row, so a bad file fails on all ranks with the same message, and no
    /// rank waits for another while reading.
    public static func loadShard(_ config: Config, rank: Int, ranks: Int) throws -> RawData {
        let source = config.data.train, trainFile = source.displayName
        let labels = try readLabels(source)
        var isValidation = [Bool](repeating: false, count: labels.rows)
        var validation: LabelledTable?, validationFile: String?
        switch config.data.validation {
        case .none:
            break
        case .source(let other)?:
            let rows = try readLabels(other).rows
            let own = contiguousShare(of: 0..<rows, rank: rank, ranks: ranks)
            validation = try readRows(other, selection: RowSelection(keep: (0..<rows).map { own.contains($0) }))
                .movingToTargets(Array(other.labelColumns.dropFirst()), file: other.displayName)
            validationFile = other.displayName
        case let .split(fraction, shuffle)?:
            isValidation = try labels.validationRows(fraction: fraction, shuffle: shuffle, seed: config.seed,
                                                     stratified: !config.loss.isRegression)
            validationFile = trainFile
        }
        // This rank keeps its share of the training rows and of the validation rows (each
        // rank scores its share of the validation set; the sums are combined).
        let trainRows = isValidation.indices.filter { !isValidation[$0] }
        let validationRows = isValidation.indices.filter { isValidation[$0] }
        var keep = [Bool](repeating: false, count: labels.rows)
        for rows in [trainRows, validationRows] {
            for index in contiguousShare(of: rows.indices, rank: rank, ranks: ranks) { keep[rows[index]] = true }
        }

        let gathers = config.data.normalize == .standardize || config.data.normalizeTarget.rawValue == "standardize"
        let moments = Normalization.Moments()
        var selection = RowSelection(keep: keep)
        if gathers {
            selection.visit = { row, values in
                if !isValidation[row] { moments.add(values) }
            }
        }
        // The kept rows in file order (this rank's shares of the training and validation
        // rows); the validation rows then move out, so that no row is held twice.
        var train = try readRows(source, selection: selection)
        let rawNames = train.featureNames, targetNames = Array(source.labelColumns.dropFirst())
        train = try train.movingToTargets(targetNames, file: trainFile)
        if case .split = config.data.validation {
            let keptRows = keep.indices.filter { keep[$0] }
            validation = train.takeRows(keptRows.map { isValidation[$0] })
        }
        let trainLabels = labels.select(trainRows)
        var warnings: [String] = []
        if case .split = config.data.validation, !config.loss.isRegression {
            warnings = LabelledTable.missingClasses(train: trainLabels, validation: labels.select(validationRows))
        }

        let featureColumns = rawNames.indices.filter { !targetNames.contains(rawNames[$0]) }
        let normalization = moments.normalization(kind: config.data.normalize.rawValue, columns: featureColumns)
        var targetNormalization = Normalization.none
        if config.loss.isRegression, config.data.normalizeTarget.rawValue == "standardize" {
            let firsts = try trainLabels.regressionTargets(file: trainFile, labelPath: "data.train.label",
                                                           lossType: config.loss.typeName)
            let first = Normalization.fit(kind: "standardize", features: firsts, featureCount: 1)
            let others = moments.normalization(kind: "standardize",
                                               columns: targetNames.compactMap { rawNames.firstIndex(of: $0) })
            if case let .standardize(mean, std) = first, case let .standardize(otherMean, otherStd) = others {
                targetNormalization = .standardize(mean: mean + otherMean, std: std + otherStd)
            }
        }

        let test = try config.data.test.map(read)
        let shape = config.model.inputShape ?? train.sampleShape
        train = try train.reshaped(to: shape, file: trainFile)
        validation = try validation.map { try $0.reshaped(to: shape, file: validationFile ?? trainFile) }
        let testFile = config.data.test?.displayName
        var raw = RawData(train: train, validation: validation, test: try test.map { try $0.reshaped(to: shape, file: testFile ?? trainFile) },
                          trainFile: trainFile, validationFile: validationFile, testFile: testFile, inputShape: shape,
                          warnings: warnings)
        raw.shard = ShardStatistics(trainLabels: trainLabels, normalization: normalization,
                                    targetNormalization: targetNormalization)
        return raw
    }

    /// The rows of `source` that `selection` keeps, every column but the first label a
    /// feature (CSV target columns are still among them: `movingToTargets` moves them).
    static func readRows(_ source: DataSource, selection: RowSelection) throws -> LabelledTable {
        switch source {
        case let .csv(path, labels):
            return try CSVReader.read(path: path, labelColumn: labels.first, selection: selection)
        case let .idx(images, labels):
            return try IDXReader.read(images: images, labels: labels, selection: selection)
        case .text:
            return try RawData.read(source)
        }
    }

    /// The labels and lines of every row of `source`, without features.
    static func readLabels(_ source: DataSource) throws -> LabelledTable {
        switch source {
        case let .csv(path, labels):
            return try CSVReader.read(path: path, labelColumn: labels.first, selection: .labels)
        case let .idx(images, labels):
            return try IDXReader.readLabels(images: images, labels: labels)
        case .text:
            return try RawData.read(source)
        }
    }
}
