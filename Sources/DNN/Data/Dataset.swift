/// The encoded data a trainer consumes: normalised features, and class indices or
/// (for regression) target values.
public struct Dataset: Sendable {
    /// [count, sampleSize], row-major: floats already normalised, or bytes that
    /// `normalization` turns into floats as a batch gathers them.
    public var storage: FeatureStorage
    /// What a batch applies to byte rows as it gathers them (float rows are stored normalised).
    public var normalization: Normalization = .none
    /// The samples as the network sees them, [count, sampleSize] (a normalised copy for
    /// bytes and mapped floats).
    public var features: [Float] {
        get { storage.normalizedFloats(width: sampleSize, normalization: normalization) }
        set { storage = .floats(newValue) }
    }
    /// [count, labelsPerSample]: the class index of each sample (of each position, for
    /// a text); empty for regression.
    public var labels: [Int32]
    /// Class labels per sample: 1, or T for a language model's windows (per-position targets).
    public var labelsPerSample = 1
    /// [count, targetCount], row-major: the regression targets as training sees them
    /// (standardised with `data.normalize_target`); empty for classification.
    public var targets: [Float] = []
    /// Target columns per sample; 0 for classification.
    public var targetCount = 0
    /// The shape of one sample: [D] or [C, H, W].
    public var sampleShape: [Int]
    /// The number of samples.
    public var count: Int
    /// The number of features per sample, the product of `sampleShape`.
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// A dataset from its parts; `features.count` must be `count * sampleSize`.
    public init(features: [Float], labels: [Int32], sampleShape: [Int], count: Int) {
        self.storage = .floats(features)
        self.labels = labels
        self.sampleShape = sampleShape
        self.count = count
    }

    /// Encodes a table's labels and normalises its features: the last step from a data
    /// file to training input.
    ///
    /// The features are normalised in the table's own storage when nothing else holds it
    /// (a table handed over with `LabelledTable.take()`), so they are never held twice.
    ///
    /// - Parameter file: the table's file, named when a label is unknown to `encoding`.
    /// - Throws: `DNNError(.data)` when the table has no labels or a label is not a known class.
    public init(table: consuming LabelledTable, encoding: ClassEncoding, normalization: Normalization, file: String) throws {
        guard let labels = table.labels else {
            throw DNNError.data(file, "has no label column; labels are needed here")
        }
        let encoded = try encoding.encode(labels, file: file, lineNumbers: table.lineNumbers)
        let featureCount = table.featureCount
        self.init(features: [], labels: encoded, sampleShape: table.sampleShape, count: table.rows)
        storage = table.takeStorage()
        storage.normalizeFloats(normalization, featureCount: featureCount)
        self.normalization = normalization
    }

    /// Regression data: the table's target columns (`targetNormalization` applied) and its
    /// normalised features.
    ///
    /// - Parameters:
    ///   - labelPath: the config key of the label column, and `lossType` the loss, for errors.
    /// - Throws: as `LabelledTable.regressionTargets`.
    public init(table: consuming LabelledTable, targetNormalization: Normalization, normalization: Normalization,
                file: String, labelPath: String = "data.train.label", lossType: String = "mse") throws {
        var targets = try table.regressionTargets(file: file, labelPath: labelPath, lossType: lossType)
        let targetCount = 1 + table.extraTargetNames.count
        targetNormalization.apply(to: &targets, featureCount: targetCount)
        let featureCount = table.featureCount
        self.init(features: [], labels: [], sampleShape: table.sampleShape, count: table.rows)
        storage = table.takeStorage()
        storage.normalizeFloats(normalization, featureCount: featureCount)
        self.normalization = normalization
        self.targets = targets
        self.targetCount = targetCount
    }

    /// Whether the samples carry regression targets rather than class indices.
    public var isRegression: Bool { targetCount > 0 }
}

extension Dataset {
    /// The samples in `range`, in their own storage.
    public func rows(_ range: Range<Int>) -> Dataset {
        let labelRange = (range.lowerBound * labelsPerSample)..<(range.upperBound * labelsPerSample)
        var part = Dataset(features: [], labels: isRegression ? [] : Array(labels[labelRange]), sampleShape: sampleShape,
                           count: range.count)
        part.storage = storage.rows(Array(range), width: sampleSize)
        part.normalization = normalization
        part.labelsPerSample = labelsPerSample
        part.targets = Array(targets[(range.lowerBound * targetCount)..<(range.upperBound * targetCount)])
        part.targetCount = targetCount
        return part
    }
}

extension LabelledTable {
    /// Gives each sample the model's input shape (row-major, so the values stay in order).
    ///
    /// - Parameter file: the data file, named in the error.
    /// - Throws: `DNNError.config("model.input_shape", ...)` when a dimension is not
    ///   positive or the shape's size differs from `featureCount`.
    public func reshaped(to shape: [Int], file: String) throws -> LabelledTable {
        let path = "model.input_shape"
        let text = "[" + shape.map(String.init).joined(separator: ", ") + "]"
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw DNNError.config(path, "\(text) must be a non-empty list of positive sizes")
        }
        var size = 1
        for dim in shape {
            let (product, overflow) = size.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw DNNError.config(path, "\(text) is too large") }
            size = product
        }
        guard size == featureCount else {
            throw DNNError.config(path, "\(text) holds \(size) values but each sample of \(file) has "
                + "\(featureCount) features")
        }
        var table = self
        table.sampleShape = shape
        return table
    }
}
