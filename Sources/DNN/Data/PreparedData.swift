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
    /// How raw CSV columns became the features (one-hot, fill values, indicators); nil for
    /// a plain numeric table.
    public var encoding: TableEncoding?
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
    /// The encoding fitted on the training rows, applied to every table; nil for plain numeric tables.
    public var encoding: TableEncoding?

    /// Reads `data.train`, `data.validation` (a source or a split of train) and
    /// `data.test`, and applies `model.input_shape`.
    public static func load(_ config: Config) throws -> RawData {
        var train = try read(config.data.train)
        let trainFile = config.data.train.displayName
        var validation: LabelledTable?
        var validationFile: String?
        var warnings = train.warnings
        switch config.data.validation {
        case .none:
            break
        case .source(let source)?:
            validation = try read(source.sharingColumns(of: config.data.train), at: "data.validation")
            validationFile = source.displayName
        case let .split(fraction, _)? where config.data.train.isText:
            // A text's validation is its last fraction, contiguous: windows never straddle.
            guard case let .text(path, context, stride) = config.data.train else { break }
            (train, validation) = try TextWindows.read(path: path, context: context, stride: stride, validation: fraction)
            validationFile = trainFile
        case let .split(fraction, shuffle)?:
            let classWarnings: [String]
            (validation, classWarnings) = try train.splitOffValidation(fraction: fraction, shuffle: shuffle,
                                                                       seed: config.seed,
                                                                       stratified: !config.loss.isRegression)
            warnings += classWarnings
            validationFile = trainFile
        }
        let test = try config.data.test.map { try read($0.sharingColumns(of: config.data.train), at: "data.test") }
        var raw = RawData(train: train, validation: validation, test: test, trainFile: trainFile,
                          validationFile: validationFile, testFile: config.data.test?.displayName, inputShape: [],
                          warnings: warnings + (validationFile == trainFile ? [] : validation?.warnings ?? [])
                            + (test?.warnings ?? []))
        if raw.train.rawColumns != nil {
            try raw.encode(with: TableEncoding.fit(raw.train, missing: config.data.train.csvOptions.missing))
        }
        try checkChannelStatistics(config.data, sampleShape: raw.train.sampleShape)
        try raw.reshape(to: config.model.inputShape)
        return raw
    }

    /// Encodes every table with `encoding` (fitted on the training rows), collecting the
    /// warnings about values never seen in training.
    mutating func encode(with encoding: TableEncoding) throws {
        self.encoding = encoding
        var note: String?
        (train, note) = try encoding.apply(to: train.take(), file: trainFile, what: "data.train")
        if let note { warnings.append(note) }
        if validation != nil {
            let what = validationFile == trainFile ? "data.validation.split" : "data.validation"
            (validation, note) = try encoding.apply(to: validation!.take(), file: validationFile ?? trainFile, what: what)
            if let note { warnings.append(note) }
        }
        if test != nil {
            (test, note) = try encoding.apply(to: test!.take(), file: testFile ?? trainFile, what: "data.test")
            if let note { warnings.append(note) }
        }
    }

    /// Applies `model.input_shape` (else the training table's own shape) to every table.
    mutating func reshape(to modelShape: [Int]?) throws {
        let shape = modelShape ?? train.sampleShape
        inputShape = shape
        train = try train.reshaped(to: shape, file: trainFile)
        validation = try validation.map { try $0.reshaped(to: shape, file: validationFile ?? trainFile) }
        test = try test.map { try $0.reshaped(to: shape, file: testFile ?? trainFile) }
    }

    /// `normalize: {"mean", "std"}` needs [C, H, W] samples with one value per channel.
    static func checkChannelStatistics(_ data: DataConfig, sampleShape: [Int]) throws {
        guard data.normalize == .channels, let statistics = data.channelStatistics else { return }
        guard sampleShape.count == 3, sampleShape[0] == statistics.mean.count else {
            throw DNNError.config("data.normalize.mean", "has \(statistics.mean.count) values, but the samples are "
                                  + "\(sampleShape) (one value per channel of [C, H, W] images is needed)")
        }
    }

    /// Bytes of the features held in memory.
    public var bytes: Int {
        train.storage.memoryBytes + (validation?.storage.memoryBytes ?? 0) + (test?.storage.memoryBytes ?? 0)
    }

    /// One data source as a table. IDX images are streamed (inflated piece by piece), so
    /// only their floats are ever in memory, not the file's bytes beside them.
    ///
    /// - Parameter sourcePath: the source's config path, named in errors about its keys.
    public static func read(_ source: DataSource, at sourcePath: String = "data.train") throws -> LabelledTable {
        switch source {
        case let .csv(path, labels, options):
            return try CSVReader.read(path: path, labels: labels, options: options, sourcePath: sourcePath)
                .movingToTargets(Array(labels.dropFirst()), file: path)
        case let .idx(images, labels):
            return try IDXReader.read(images: images, labels: labels, selection: .all)
        case let .npy(x, y, targets):
            return try NumPySource.readNPY(x: x, y: y, targets: targets)
        case let .npz(path, x, y, targets):
            return try NumPySource.readNPZ(path: path, x: x, y: y, targets: targets)
        case .cifar10(let files):
            return try CIFARReader.readCIFAR10(files: files)
        case let .cifar100(files, label):
            return try CIFARReader.readCIFAR100(files: files, label: label)
        case .images(let images):
            return try ImageReader.read(images)
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
            return try prepare(normalize: config.data.normalize, channels: config.data.channelStatistics, classCount: outputCount,
                               configPath: configPath)
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
            ?? Normalization.fit(kind: config.data.normalizeTarget, features: targets, featureCount: names.count)
        let normalization = shard?.normalization
            ?? Normalization.fit(config.data.normalize, channels: config.data.channelStatistics, storage: train.storage,
                                 featureCount: train.featureCount)
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
        data.encoding = encoding
        data.targetNormalization = targetNormalization
        data.targetNames = names
        return data
    }

    /// Encodes labels for a model with `classCount` outputs and normalises the features
    /// with statistics of the training set (`configPath` names the last layer for errors);
    /// consumes the tables as `prepare(_:outputCount:configPath:)`.
    public consuming func prepare(normalize kind: NormalizeKind, channels: ChannelStatistics? = nil, classCount: Int,
                                  configPath: String) throws -> PreparedData {
        let classes = try ClassEncoding.infer(labels: (shard?.trainLabels ?? train).labels ?? [], classCount: classCount,
                                              names: train.classNames,
                                              configPath: configPath)
        let normalization = shard?.normalization
            ?? Normalization.fit(kind, channels: channels, storage: train.storage, featureCount: train.featureCount)
        func dataset(_ table: consuming LabelledTable, _ file: String) throws -> Dataset {
            try Dataset(table: table, encoding: classes, normalization: normalization, file: file)
        }
        var data = PreparedData(
            train: try dataset(train.take(), trainFile),
            validation: validation == nil ? nil : try dataset(validation!.take(), validationFile ?? trainFile),
            test: test == nil ? nil : try dataset(test!.take(), testFile ?? trainFile),
            inputShape: inputShape, classes: classes, normalization: normalization)
        data.encoding = encoding
        return data
    }
}

extension DataSource {
    /// This source read with the training source's columns (`features`, `categorical`,
    /// `missing`): a validation or test CSV holds the same kind of table, so it is encoded
    /// the same way; only its separator and header row are its own.
    func sharingColumns(of train: DataSource) -> DataSource {
        guard case let .csv(path, labels, options) = self, train.csvOptions.isEncoded else { return self }
        var shared = train.csvOptions
        shared.separator = options.separator
        shared.header = options.header
        return .csv(path: path, labels: labels, options: shared)
    }

    /// The file named in messages: the CSV, the IDX images file, the `.npy` of x, the
    /// `.npz`, or the first CIFAR file.
    public var displayName: String {
        switch self {
        case .csv(let path, _, _): path
        case .idx(let images, _): images
        case .npy(let x, _, _): x
        case .npz(let path, _, _, _): path
        case .cifar10(let files), .cifar100(let files, _): files.first ?? "cifar"
        case .images(let images): images.path
        case .text(let path, _, _): path
        }
    }
}
