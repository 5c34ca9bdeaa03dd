/// `data`: where the training, validation and test samples come from and how their
/// features are scaled.
public struct DataConfig: Equatable, Sendable {
    /// The training set; required.
    public var train: DataSource
    /// A separate dataset or a fraction of `train`; nil for none.
    public var validation: ValidationSource?
    /// A held-out test set, evaluated by `dnn eval` by default; nil for none.
    public var test: DataSource?
    /// How features are scaled ("none").
    public var normalize: NormalizeKind
    /// In a data-parallel run, each rank keeps only its contiguous 1/N of the training
    /// rows, shuffled within that shard (false).
    public var shard = false
    /// Random crops and flips of training images; nil for none.
    public var augment: AugmentConfig?
    /// How regression targets are scaled for training ("none").
    public var normalizeTarget: NormalizeTargetKind = .none

    /// A data section; only `train` is required.
    public init(train: DataSource, validation: ValidationSource? = nil, test: DataSource? = nil,
                normalize: NormalizeKind = .none, augment: AugmentConfig? = nil) {
        self.augment = augment
        self.train = train
        self.validation = validation
        self.test = test
        self.normalize = normalize
    }
}

/// One dataset on disk. Paths are absolute once decoded (relative ones are resolved
/// against the config file's folder), so a stored config works from anywhere.
public enum DataSource: Equatable, Sendable {
    /// `{"format": "csv", "path": P, "label": COLUMN}`: a CSV file with a header row;
    /// `label` names the class column (or, for regression, one or more target columns:
    /// `"label": ["y1", "y2"]`), every other column is a feature.
    case csv(path: String, labels: [String])
    /// `{"format": "idx", "images": P, "labels": P}`: MNIST IDX files, raw or `.gz`.
    case idx(images: String, labels: String)
    /// `{"format": "text", "path": P, "context": T, "stride": S}`: a file as bytes for a
    /// language model; a row is a window of T + 1 bytes starting at a multiple of S
    /// (default T), its first T bytes the input and the next byte at each position the
    /// target (`TextWindows`).
    case text(path: String, context: Int, stride: Int)

    /// The JSON `format`.
    public var format: String {
        switch self {
        case .csv: "csv"
        case .idx: "idx"
        case .text: "text"
        }
    }

    /// Whether the samples are byte windows of a text, scored at every position.
    public var isText: Bool {
        if case .text = self { return true }
        return false
    }

    /// The label columns of a CSV source; empty for IDX.
    public var labelColumns: [String] {
        if case .csv(_, let labels) = self { return labels }
        return []
    }

    /// Every `format` a config may use.
    public static let formats = ["csv", "idx", "text"]
}

/// `data.validation`: a dataset of its own, or a part of the training set.
public enum ValidationSource: Equatable, Sendable {
    /// A separate dataset.
    case source(DataSource)
    /// `{"split": fraction, "shuffle": true}` with fraction in (0, 1): round(fraction * N)
    /// training rows, a seeded stratified random subset (scikit-learn's
    /// `train_test_split(stratify=y)`), or with `shuffle: false` the LAST rows in file
    /// order (Keras' `validation_split`).
    case split(Double, shuffle: Bool)
}

/// `data.normalize`: how features are scaled before the first layer.
public enum NormalizeKind: String, Equatable, Sendable, CaseIterable {
    /// Features as they are.
    case none
    /// Divided by 255, for image bytes.
    case scale
    /// (x - mean) / std per feature, with mean and std from the training set, stored
    /// with the model.
    case standardize
}

/// `data.normalize_target`: how regression targets are scaled for training.
public enum NormalizeTargetKind: String, Equatable, Sendable, CaseIterable {
    /// Targets as they are.
    case none
    /// (y - mean) / std per target column, statistics from the training rows, stored with
    /// the model; predictions and reported errors are turned back into original units.
    case standardize
}
