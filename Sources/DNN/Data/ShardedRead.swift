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
        let share = try validationShare(config, labels: labels, rank: rank, ranks: ranks)
        let isValidation = share.isValidation, validationFile = share.validationFile
        var validation = share.validation
        // This rank keeps its share of the training rows and of the validation rows (each
        // rank scores its share of the validation set; the sums are combined).
        let trainRows = isValidation.indices.filter { !isValidation[$0] }
        let validationRows = isValidation.indices.filter { isValidation[$0] }
        var keep = [Bool](repeating: false, count: labels.rows)
        for rows in [trainRows, validationRows] {
            for index in contiguousShare(of: rows.indices, rank: rank, ranks: ranks) { keep[rows[index]] = true }
        }

        let gathers = config.data.normalize == .standardize || config.data.normalizeTarget == .standardize
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
        let normalization = moments.normalization(kind: config.data.normalize, columns: featureColumns)
        let targetNormalization = try Self.targetNormalization(config, trainLabels: trainLabels, moments: moments,
                                                               targetColumns: targetNames.compactMap { rawNames.firstIndex(of: $0) })

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

    /// Which rows of the training file are validation rows (all false without a split),
    /// and this rank's share of a separate validation file, read, with the file's name.
    private static func validationShare(_ config: Config, labels: LabelledTable, rank: Int, ranks: Int) throws
        -> (isValidation: [Bool], validation: LabelledTable?, validationFile: String?) {
        switch config.data.validation {
        case .none:
            return ([Bool](repeating: false, count: labels.rows), nil, nil)
        case .source(let other)?:
            let rows = try readLabels(other).rows
            let own = contiguousShare(of: 0..<rows, rank: rank, ranks: ranks)
            let validation = try readRows(other, selection: RowSelection(keep: (0..<rows).map { own.contains($0) }))
                .movingToTargets(Array(other.labelColumns.dropFirst()), file: other.displayName)
            return ([Bool](repeating: false, count: labels.rows), validation, other.displayName)
        case let .split(fraction, shuffle)?:
            let isValidation = try labels.validationRows(fraction: fraction, shuffle: shuffle, seed: config.seed,
                                                         stratified: !config.loss.isRegression)
            return (isValidation, nil, config.data.train.displayName)
        }
    }

    /// `data.normalize_target` of a regression shard: the first target column's statistics
    /// from every rank's labels (`trainLabels`), the other target columns' from the moments
    /// gathered while streaming (at `targetColumns` of the raw rows); `.none` otherwise.
    private static func targetNormalization(_ config: Config, trainLabels: LabelledTable,
                                            moments: Normalization.Moments, targetColumns: [Int]) throws -> Normalization {
        guard config.loss.isRegression, config.data.normalizeTarget == .standardize else { return .none }
        let firsts = try trainLabels.regressionTargets(file: config.data.train.displayName, labelPath: "data.train.label",
                                                       lossType: config.loss.typeName)
        let first = Normalization.fit(kind: NormalizeKind.standardize, features: firsts, featureCount: 1)
        let others = moments.normalization(kind: .standardize, columns: targetColumns)
        guard case let .standardize(mean, std) = first, case let .standardize(otherMean, otherStd) = others else {
            return .none
        }
        return .standardize(mean: mean + otherMean, std: std + otherStd)
    }

    /// The rows of `source` that `selection` keeps, every column but the first label a
    /// feature (CSV target columns are still among them: `movingToTargets` moves them).
    static func readRows(_ source: DataSource, selection: RowSelection) throws -> LabelledTable {
        switch source {
        case let .csv(path, labels):
            return try CSVReader.read(path: path, labelColumn: labels.first, selection: selection)
        case let .idx(images, labels):
            return try IDXReader.read(images: images, labels: labels, selection: selection)
        }
    }

    /// The labels and lines of every row of `source`, without features.
    static func readLabels(_ source: DataSource) throws -> LabelledTable {
        switch source {
        case let .csv(path, labels):
            return try CSVReader.read(path: path, labelColumn: labels.first, selection: .labels)
        case let .idx(images, labels):
            return try IDXReader.readLabels(images: images, labels: labels)
        }
    }
}
