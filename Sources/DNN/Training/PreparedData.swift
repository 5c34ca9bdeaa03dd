/// The datasets of a config, read, split, normalised and encoded, with everything a
/// checkpoint must remember to treat new data the same way.
public struct PreparedData: Sendable {
    public var train: Dataset
    public var validation: Dataset?
    public var test: Dataset?
    /// Per-sample input shape: `model.input_shape`, else the data's ([1, H, W] for IDX, [D] for CSV).
    public var inputShape: [Int]
    public var classes: ClassEncoding
    public var normalization: Normalization
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
        case let .split(fraction, shuffle)?:
            let split = try train.split(fraction: fraction, shuffle: shuffle, seed: config.seed)
            (train, validation, warnings) = (split.train, split.validation, split.warnings)
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

    /// One data source as a table.
    public static func read(_ source: DataSource) throws -> LabelledTable {
        switch source {
        case let .csv(path, label):
            return try CSVReader.read(path: path, labelColumn: label)
        case let .idx(images, labels):
            return try IDXReader.read(images: images, labels: labels)
        }
    }

    /// Encodes labels for a model with `classCount` outputs and normalises the features
    /// with statistics of the training set (`configPath` names the last layer for errors).
    public func prepare(normalize kind: NormalizeKind, classCount: Int, configPath: String) throws -> PreparedData {
        let classes = try ClassEncoding.infer(labels: train.labels ?? [], classCount: classCount,
                                              configPath: configPath)
        let normalization = Normalization.fit(kind: kind.rawValue, features: train.features,
                                              featureCount: train.featureCount)
        return PreparedData(
            train: try Dataset(table: train, encoding: classes, normalization: normalization, file: trainFile),
            validation: try validation.map {
                try Dataset(table: $0, encoding: classes, normalization: normalization, file: validationFile ?? trainFile)
            },
            test: try test.map {
                try Dataset(table: $0, encoding: classes, normalization: normalization, file: testFile ?? trainFile)
            },
            inputShape: inputShape, classes: classes, normalization: normalization)
    }
}

extension DataSource {
    /// The file named in messages: the CSV, or the IDX images file.
    public var displayName: String {
        switch self {
        case .csv(let path, _): path
        case .idx(let images, _): images
        }
    }
}
