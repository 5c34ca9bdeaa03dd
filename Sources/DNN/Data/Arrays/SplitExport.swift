import Foundation

/// `dnn convert`: one split of a config's data as an `.npz` archive, its rows exactly as
/// training reads them (split, reshaped to `model.input_shape`, classes numbered) but
/// before `normalize`, so that training on the archive with the same seed gives the same
/// metrics as training on the source.
///
/// Members: `x` (uint8 for images whose values are all bytes, float32 otherwise; shape
/// (N, *sample shape)), `y` (int64 class indices, or float32 targets: (N,) or (N, D)),
/// `classes` (the class names, unicode; empty for regression) and, for flat samples,
/// `features` (the feature names).
public enum SplitExport {
    /// Which split `dnn convert --split` writes.
    public enum Split: String, CaseIterable, Sendable {
        case train
        case validation
        case test
    }

    /// What was written, for the command's summary line.
    public struct Summary: Sendable {
        public var rows: Int
        public var sampleShape: [Int]
        public var xType: String
        public var classes: Int
    }

    /// The `.npz` bytes of `split` of `config`'s data.
    /// - Throws: `.config` when the split is not in the config or the labels do not suit
    ///   the loss and the last layer; any error of reading the data.
    public static func archive(config: Config, split: Split, forceZip64: Bool = false) throws -> (bytes: [UInt8], summary: Summary) {
        let (pieces, summary) = try archivePieces(config: config, split: split, forceZip64: forceZip64)
        return (pieces.flatMap { $0 }, summary)
    }

    /// `archive(config:split:)` as pieces to write one after the other: the pixels of
    /// images stay in the buffer they were decoded into.
    static func archivePieces(config: Config, split: Split, forceZip64: Bool = false) throws -> (pieces: [[UInt8]], summary: Summary) {
        guard !config.data.train.isText else {
            throw DNNError.config("data.train", "is a text source, which training reads as it is",
                                  hint: "dnn convert writes tables, images and arrays; train on the text file itself")
        }
        var raw = try RawData.load(config)
        let table: LabelledTable, file: String
        switch split {
        case .train:
            (table, file) = (raw.train.take(), raw.trainFile)
        case .validation:
            guard let validation = raw.validation else {
                throw DNNError(.usage, at: "--split validation", "the config has no data.validation")
            }
            (table, file) = (validation, raw.validationFile ?? raw.trainFile)
        case .test:
            guard let test = raw.test else { throw DNNError(.usage, at: "--split test", "the config has no data.test") }
            (table, file) = (test, raw.testFile ?? raw.trainFile)
        }
        let labels = try encodedLabels(table, file: file, config: config, raw: raw, trainLabels: split == .train ? table.labels : nil)
        var writer = ZipWriter()
        writer.forceZip64 = forceZip64
        let shape = [table.rows] + raw.inputShape
        let x = xValues(table)
        for (name, values, valueShape) in [("x", x, shape), ("y", labels.y, labels.yShape),
                                           ("classes", .unicode(labels.classes), [labels.classes.count])] {
            if case .uint8(let bytes) = values {
                precondition(valueShape.reduce(1, *) == bytes.count, "SplitExport: the shape does not match the pixels")
                writer.addStored(name: name + ".npy", header: NPYWriter.header(values, shape: valueShape), payload: bytes)
                continue
            }
            writer.addStored(name: name + ".npy", size: NPYWriter.size(values, shape: valueShape)) {
                NPYWriter.append(values, shape: valueShape, to: &$0)
            }
        }
        if raw.inputShape.count == 1, table.featureNames.count == table.featureCount {
            let names = NPYWriter.Values.unicode(table.featureNames)
            writer.addStored(name: "features.npy", size: NPYWriter.size(names, shape: [table.featureCount])) {
                NPYWriter.append(names, shape: [table.featureCount], to: &$0)
            }
        }
        let summary = Summary(rows: table.rows, sampleShape: raw.inputShape, xType: x.descr == "|u1" ? "uint8" : "float32",
                              classes: labels.classes.count)
        return (writer.finishPieces(), summary)
    }

    /// x as written: [C, H, W] samples held as bytes (decoded images, CIFAR) as they are,
    /// never through floats; [C, H, W] float samples whose every value is a byte as uint8;
    /// float32 otherwise.
    static func xValues(_ table: LabelledTable) -> NPYWriter.Values {
        if table.sampleShape.count == 3 {
            if case .bytes(let bytes) = table.storage { return .uint8(bytes) }
            if case .byteRows(let rows) = table.storage { return .uint8(rows.contiguous) }
        }
        let features = table.features
        if table.sampleShape.count == 3 && features.allSatisfy({ $0 >= 0 && $0 <= 255 && $0 == $0.rounded() }) {
            return .uint8(features.map { UInt8($0) })
        }
        return .float32(features)
    }

    /// y as training sees it: class indices numbered from the training labels and the last
    /// layer's size, or the regression targets before `normalize_target`.
    private static func encodedLabels(_ table: LabelledTable, file: String, config: Config, raw: RawData,
                                      trainLabels: [String]?) throws -> (y: NPYWriter.Values, yShape: [Int], classes: [String]) {
        var random = RandomGenerator(seed: config.seed)
        let network: Sequential<Float> = try NetworkBuilder.build(config.model.layers, inputShape: raw.inputShape, random: &random)
        let (outputCount, lastLayerPath) = try TrainingSetup.classCount(of: network, config: config)
        if config.loss.isRegression {
            let targets = try table.regressionTargets(file: file, labelPath: "data.train.label", lossType: config.loss.typeName)
            let width = 1 + table.extraTargetNames.count
            guard outputCount == width else {
                throw DNNError.config(lastLayerPath, "the network predicts \(outputCount) values per sample, but the data has \(width) targets")
            }
            return (.float32(targets), width == 1 ? [table.rows] : [table.rows, width], [])
        }
        let train = trainLabels ?? raw.train.labels ?? []
        try table.checkClassLabels(file: file, labelPath: "data.train.label")
        let classes = try ClassEncoding.infer(labels: train, classCount: outputCount, names: raw.train.classNames ?? table.classNames,
                                              configPath: lastLayerPath)
        guard let labels = table.labels else { throw DNNError.data(file, "has no labels") }
        let indices = try classes.encode(labels, file: file, lineNumbers: table.lineNumbers)
        return (.int64(indices.map { Int64($0) }), [table.rows], classes.names)
    }
}

extension SplitExport {
    /// Writes `split` of `config`'s data to `path` atomically: the archive is built whole
    /// (every row read and checked) before the first byte is written, then renamed over
    /// `path`, so a refused conversion leaves an existing file as it was.
    /// - Throws: `.usage` when `path` is one of the config's data files (it would be lost);
    ///   as `archive(config:split:)`; `.io` when it cannot be written.
    public static func write(config: Config, split: Split, to path: String) throws -> Summary {
        let target = ConfigDecoder.absolutePath(path, base: FileManager.default.currentDirectoryPath)
        for source in [config.data.train, config.data.test].compactMap({ $0 }) + config.data.validationSources
        where source.files.contains(target) {
            throw DNNError(.usage, at: "-o \(path)", "is a data file of the config; converting would replace it",
                           hint: "write to another file")
        }
        let (pieces, summary) = try archivePieces(config: config, split: split)
        try AtomicFile.write(pieces: pieces, to: path)
        return summary
    }
}

extension DataConfig {
    /// The validation source when it is a dataset of its own.
    var validationSources: [DataSource] {
        if case .source(let source)? = validation { return [source] }
        return []
    }
}

extension DataSource {
    /// Every file the source reads.
    var files: [String] {
        switch self {
        case let .csv(path, _, _): [path]
        case let .idx(images, labels): [images, labels]
        case let .npy(x, y, _): [x, y]
        case let .npz(path, _, _, _): [path]
        case .cifar10(let files), .cifar100(let files, _): files
        case .images(let images): [images.path]
        case .text(let path, _, _): [path]
        }
    }
}
