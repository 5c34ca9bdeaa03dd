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
        if ["npy", "npz"].contains(source.format), config.data.normalizeTarget == .standardize, source.labelColumns.count > 1 {
            throw DNNError.config("data.shard", "with several NumPy targets and normalize_target standardize is not supported",
                                  hint: "train without data.shard, or convert the data to CSV")
        }
        let labels = try readLabels(source)
        var (isValidation, validation, validationFile) = try shardValidation(config, labels: labels, rank: rank, ranks: ranks)
        // This rank keeps its share of the training rows and of the validation rows (each
        // rank scores its share of the validation set; the sums are combined).
        let trainRows = isValidation.indices.filter { !isValidation[$0] }
        let validationRows = isValidation.indices.filter { isValidation[$0] }
        var keep = [Bool](repeating: false, count: labels.rows)
        for rows in [trainRows, validationRows] {
            for index in contiguousShare(of: rows.indices, rank: rank, ranks: ranks) { keep[rows[index]] = true }
        }
        let pass = try readShareAndStatistics(config, keep: keep, isValidation: isValidation,
                                              rawColumns: labels.rawColumns)
        var train = pass.train
        if case .split = config.data.validation {
            let keptRows = keep.indices.filter { keep[$0] }
            validation = train.takeRows(keptRows.map { isValidation[$0] })
        }
        let trainLabels = labels.select(trainRows)
        // A CSV's second pass repeats the first's warnings; an image folder's adds its undecodable files.
        var warnings = labels.warnings
        for warning in pass.train.warnings where !warnings.contains(warning) { warnings.append(warning) }
        if case .split = config.data.validation, !config.loss.isRegression {
            warnings += LabelledTable.missingClasses(train: trainLabels, validation: labels.select(validationRows))
        }
        let test = try config.data.test.map { try read($0.sharingColumns(of: source), at: "data.test") }
        var raw = RawData(train: train.take(), validation: validation, test: test, trainFile: trainFile,
                          validationFile: validationFile, testFile: config.data.test?.displayName, inputShape: [],
                          warnings: warnings + (test?.warnings ?? []))
        var normalization = config.data.normalize == .channels
            ? Normalization.fit(.channels, channels: config.data.channelStatistics, storage: .floats([]), featureCount: 0)
            : pass.moments.normalization(kind: config.data.normalize, columns: pass.featureColumns)
        if let statistics = pass.encoding {
            let encoding = statistics.encoding()
            try raw.encode(with: encoding)
            normalization = try encodedNormalization(config, encoding: encoding, columns: statistics.columns,
                                                     isValidation: isValidation)
        }
        try checkChannelStatistics(config.data, sampleShape: raw.train.sampleShape)
        try raw.reshape(to: config.model.inputShape)
        let targets = try targetNormalization(config, trainLabels: trainLabels, moments: pass.moments,
                                              targetColumns: pass.targetColumns)
        raw.shard = ShardStatistics(trainLabels: trainLabels, normalization: normalization, targetNormalization: targets)
        return raw
    }

    /// `data.validation` under `data.shard`: which training rows a split takes (all false
    /// for none or a source of its own), this rank's share of a separate validation
    /// source, and the validation file named in messages.
    private static func shardValidation(_ config: Config, labels: LabelledTable, rank: Int, ranks: Int) throws
        -> (isValidation: [Bool], validation: LabelledTable?, validationFile: String?) {
        let source = config.data.train
        switch config.data.validation {
        case .none:
            return ([Bool](repeating: false, count: labels.rows), nil, nil)
        case .source(let given)?:
            let other = given.sharingColumns(of: source)
            let rows = try readLabels(other).rows
            let own = contiguousShare(of: 0..<rows, rank: rank, ranks: ranks)
            let validation = try readRows(other, selection: RowSelection(keep: (0..<rows).map { own.contains($0) }))
                .movingToTargets(Array(other.labelColumns.dropFirst()), file: other.displayName)
            return ([Bool](repeating: false, count: labels.rows), validation, other.displayName)
        case let .split(fraction, shuffle)?:
            let isValidation = try labels.validationRows(fraction: fraction, shuffle: shuffle, seed: config.seed,
                                                         stratified: !config.loss.isRegression)
            return (isValidation, nil, source.displayName)
        }
    }

    /// The second pass of `loadShard`: the kept rows (targets moved out of the features),
    /// and, from every training row as it passes, the raw moments of `data.normalize` and
    /// `normalize_target` and the statistics of a CSV's encoding.
    ///
    /// - Parameter rawColumns: an encoded CSV's columns as the first pass read them (the
    ///   second reads the same file in the same order, so the category codes agree).
    private static func readShareAndStatistics(_ config: Config, keep: [Bool], isValidation: [Bool],
                                               rawColumns: [RawColumn]?) throws -> SharePass {
        let source = config.data.train
        let targetNames = Array(source.labelColumns.dropFirst())
        let encoding = rawColumns.map { columns in
            EncodingStatistics(columns: Array(columns.prefix(columns.count - targetNames.count)),
                               missing: source.csvOptions.missing)
        }
        let gathers = config.data.normalize == .standardize || config.data.normalizeTarget == .standardize
        let moments = Normalization.Moments()
        var selection = RowSelection(keep: keep)
        if gathers || encoding != nil {
            selection.visit = { row, values in
                guard !isValidation[row] else { return }
                if gathers { moments.add(values) }
                encoding?.add(values)
            }
        }
        var train = try readRows(source, selection: selection)
        let rawNames = train.featureNames
        train = try train.movingToTargets(targetNames, file: source.displayName)
        // Image tables have no feature names (their targets are apart already): every column is a feature.
        let featureColumns = rawNames.isEmpty ? Array(0..<train.featureCount)
            : rawNames.indices.filter { !targetNames.contains(rawNames[$0]) }
        return SharePass(train: train, moments: moments, encoding: encoding, rawNames: rawNames,
                         featureColumns: featureColumns,
                         targetColumns: targetNames.compactMap { rawNames.firstIndex(of: $0) })
    }

    /// `data.normalize` of encoded rows: a third pass over the training file that encodes
    /// every training row and gathers its moments (the encoding needed every row first).
    private static func encodedNormalization(_ config: Config, encoding: TableEncoding, columns: [RawColumn],
                                             isValidation: [Bool]) throws -> Normalization {
        guard config.data.normalize == .standardize else {
            return Normalization.Moments().normalization(kind: config.data.normalize, columns: [])
        }
        let moments = Normalization.Moments()
        let encoder = try encoding.rowEncoder(for: columns, file: config.data.train.displayName)
        var encoded = [Float](repeating: 0, count: encoding.encodedCount)
        var selection = RowSelection(keep: [Bool](repeating: false, count: isValidation.count))
        selection.visit = { row, values in
            guard !isValidation[row] else { return }
            encoded.withUnsafeMutableBufferPointer { out in
                encoder(values.baseAddress!, out.baseAddress!)
                moments.add(UnsafeBufferPointer(out))
            }
        }
        _ = try readRows(config.data.train, selection: selection)
        return moments.normalization(kind: NormalizeKind.standardize, columns: Array(0..<encoding.encodedCount))
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
        case let .csv(path, labels, options):
            var request = CSVRequest(labels: labels, labelRequired: true, options: options)
            request.selection = selection
            return try CSVReader.read(path: path, request)
        case let .idx(images, labels):
            return try IDXReader.read(images: images, labels: labels, selection: selection)
        case .npy, .npz, .cifar10, .cifar100:
            return try read(source).selecting(selection, file: source.displayName)
        case .images(let images):
            return try ImageReader.read(images, selection: selection)
        case .text:
            return try RawData.read(source)
        }
    }

    /// The labels and lines of every row of `source`, without features.
    static func readLabels(_ source: DataSource) throws -> LabelledTable {
        switch source {
        case let .csv(path, labels, options):
            var request = CSVRequest(labels: labels, labelRequired: true, options: options)
            request.selection = .labels
            return try CSVReader.read(path: path, request)
        case let .idx(images, labels):
            return try IDXReader.readLabels(images: images, labels: labels)
        case .npy, .npz, .cifar10, .cifar100:
            return try read(source).selecting(.labels, file: source.displayName)
        case .images(let images):
            return try ImageReader.read(images, selection: .labels)
        case .text:
            return try RawData.read(source)
        }
    }
}

/// What the second pass of a `data.shard` read gives.
private struct SharePass {
    var train: LabelledTable
    /// Raw moments of every training row (features and target columns as read).
    var moments: Normalization.Moments
    /// The statistics of an encoded CSV's `TableEncoding`; nil for plain tables.
    var encoding: EncodingStatistics?
    var rawNames: [String]
    /// The raw columns that are features, and those that are extra targets.
    var featureColumns: [Int]
    var targetColumns: [Int]
}
