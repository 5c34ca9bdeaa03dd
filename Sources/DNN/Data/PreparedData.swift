/// The datasets of a config, read, split, normalised and encoded, with everything a
/// checkpoint must remember to treat new data the same way.
public struct PreparedData: Sendable {
    public var train: Dataset
    public var validation: Dataset?
    public var test: Dataset?
    /// Per-sample input shape: `model.input_shape`, else the data's ([1, H, W] for IDX, [D] for CSV).
    public var inputShape: [Int]
    /// The class names; empty for regression.
    public var classes: ClassEncoding
    public var normalization: Normalization
    /// Regression: how the targets were scaled for training (`data.normalize_target`), and
    /// the target columns' names; `.none` and empty for classification.
    public var targetNormalization: Normalization = .none
    public var targetNames: [String] = []
}

/// The raw tables of a config, before the model's class count is known.
public struct RawData: Sendable {
    public var train: LabelledTable
    public var validation: LabelledTable?
    public var test: LabelledTable?
    public var trainFile: String
    public var validationFile: String?
    public var testFile: String?
    /// Per-sample input shape after `model.input_shape`.
    public var inputShape: [Int]
    /// What the user should know about the split: a class absent from one side.
    public var warnings: [String] = []
    /// With `data.shard`: what was learnt from the training rows other ranks keep.
    public var shard: ShardStatistics?

    /// Reads `data.train`, `data.validation` (a source or a split of train) and
    /// `data.test`, and applies `model.input_shape`.
    public static func load(_ config: Config) throws -> RawData {
        var train = try read(config.data.train)
        let trainFile = config.data.train.displayName
        var validation: LabelledTable?
        var validationFile: String?
        var warnings: [String] = []
        switch config.data.validation {
        case .none:
            break
        case .source(let source)?:
            validation = try read(source)
            validationFile = source.displayName
        case let .split(fraction, _)? where config.data.train.isText:
            // A text's validation is its last fraction, contiguous: windows never straddle.
            guard case let .text(path, context, stride) = config.data.train else { break }
            (train, validation) = try TextWindows.read(path: path, context: context, stride: stride, validation: fraction)
            validationFile = trainFile
        case let .split(fraction, shuffle)?:
            (validation, warnings) = try train.splitOffValidation(fraction: fraction, shuffle: shuffle, seed: config.seed,
                                                                  stratified: !config.loss.isRegression)
            validationFile = trainFile
        }
        let test = try config.data.test.map(read)
        let shape = config.model.inputShape ?? train.sampleShape
        train = try train.reshaped(to: shape, file: trainFile)
        validation = try validation.map { try $0.reshaped(to: shape, file: validationFile ?? trainFile) }
        let testFile = config.data.test?.displayName
        let reshapedTest = try test.map { try $0.reshaped(to: shape, file: testFile ?? trainFile) }
        return RawData(train: train, validation: validation, test: reshapedTest, trainFile: trainFile,
                       validationFile: validationFile, testFile: testFile, inputShape: shape, warnings: warnings)
    }

    /// Bytes of the features held in memory.
    public var bytes: Int {
        4 * (train.features.count + (validation?.features.count ?? 0) + (test?.features.count ?? 0))
    }

    /// One data source as a table. IDX images are streamed (inflated piece by piece), so
    /// only their floats are ever in memory, not the file's bytes beside them.
    public static func read(_ source: DataSource) throws -> LabelledTable {
        switch source {
        case let .csv(path, labels):
            return try CSVReader.read(path: path, labelColumn: labels.first)
                .movingToTargets(Array(labels.dropFirst()), file: path)
        case let .idx(images, labels):
            return try IDXReader.read(images: images, labels: labels, selection: .all)
        case let .text(path, context, stride):
            return try TextWindows.read(path: path, context: context, stride: stride).train
        }
    }

    /// The data for `config`'s loss and a network with `outputCount` outputs: class indices
    /// for cross-entropy, target values for a regression loss (`configPath` names the last
    /// layer for errors).
    /// - Throws: a `.config` error when the labels do not suit the loss, or the output
    ///   count does not match the classes or target columns.
    ///
    /// Consumes the tables: each moves into its dataset and is normalised in place, so
    /// the features are never held twice (the largest allocation of a run's setup).
    public consuming func prepare(_ config: Config, outputCount: Int, configPath: String) throws -> PreparedData {
        if config.data.train.isText { return try prepareText(outputCount: outputCount, configPath: configPath) }
        guard config.loss.isRegression else {
            try (shard?.trainLabels ?? train).checkClassLabels(file: trainFile, labelPath: "data.train.label")
            return try prepare(normalize: config.data.normalize, classCount: outputCount, configPath: configPath)
        }
        let names = config.data.train.labelColumns
        guard outputCount == names.count else {
            throw DNNError.config(configPath, "the network predicts \(outputCount) values per sample, but data.train.label "
                                  + "names \(names.count) target column\(names.count == 1 ? "" : "s")",
                                  hint: "set the last layer's out to \(names.count)")
        }
        let type = config.loss.typeName
        let targets = try (shard?.trainLabels ?? train).regressionTargets(file: trainFile, labelPath: "data.train.label",
                                                                           lossType: type)
        let targetNormalization = shard?.targetNormalization
            ?? Normalization.fit(kind: config.data.normalizeTarget.rawValue, features: targets, featureCount: names.count)
        let normalization = shard?.normalization
            ?? Normalization.fit(kind: config.data.normalize.rawValue, features: train.features, featureCount: train.featureCount)
        func dataset(_ table: consuming LabelledTable, _ file: String, _ path: String) throws -> Dataset {
            try Dataset(table: table, targetNormalization: targetNormalization, normalization: normalization, file: file,
                        labelPath: path, lossType: type)
        }
        let validationPath = validationFile == trainFile ? "data.train.label" : "data.validation.label"
        var data = PreparedData(
            train: try dataset(train.take(), trainFile, "data.train.label"),
            validation: validation == nil ? nil : try dataset(validation!.take(), validationFile ?? trainFile, validationPath),
            test: test == nil ? nil : try dataset(test!.take(), testFile ?? trainFile, "data.test.label"),
            inputShape: inputShape, classes: ClassEncoding(names: []), normalization: normalization)
        data.targetNormalization = targetNormalization
        data.targetNames = names
        return data
    }

    /// Encodes labels for a model with `classCount` outputs and normalises the features
    /// with statistics of the training set (`configPath` names the last layer for errors);
    /// consumes the tables as `prepare(_:outputCount:configPath:)`.
    public consuming func prepare(normalize kind: NormalizeKind, classCount: Int, configPath: String) throws -> PreparedData {
        let classes = try ClassEncoding.infer(labels: (shard?.trainLabels ?? train).labels ?? [], classCount: classCount,
                                              configPath: configPath)
        let normalization = shard?.normalization
            ?? Normalization.fit(kind: kind.rawValue, features: train.features, featureCount: train.featureCount)
        func dataset(_ table: consuming LabelledTable, _ file: String) throws -> Dataset {
            try Dataset(table: table, encoding: classes, normalization: normalization, file: file)
        }
        return PreparedData(
            train: try dataset(train.take(), trainFile),
            validation: validation == nil ? nil : try dataset(validation!.take(), validationFile ?? trainFile),
            test: test == nil ? nil : try dataset(test!.take(), testFile ?? trainFile),
            inputShape: inputShape, classes: classes, normalization: normalization)
    }
}

extension DataSource {
    /// The file named in messages: the CSV, or the IDX images file.
    public var displayName: String {
        switch self {
        case .csv(let path, _): path
        case .idx(let images, _): images
        case .text(let path, _, _): path
        }
    }
}
