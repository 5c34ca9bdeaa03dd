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
    /// `normalize: {"mean": [...], "std": [...]}` (with `normalize` `.channels`): one value
    /// per image channel, applied to the scaled values; nil otherwise.
    public var channelStatistics: ChannelStatistics?

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
    /// `"label": ["y1", "y2"]`); `options` holds the other keys (features, categorical
    /// columns, missing cells, separator, header).
    case csv(path: String, labels: [String], options: CSVOptions = CSVOptions())
    /// `{"format": "idx", "images": P, "labels": P}`: MNIST IDX files, raw or `.gz`.
    case idx(images: String, labels: String)
    /// `{"format": "npy", "x": P, "y": P}`: two NumPy `.npy` files; `targets` names y's
    /// columns for regression (`["y"]` unless the config gives `"targets"`).
    case npy(x: String, y: String, targets: [String])
    /// `{"format": "npz", "path": P, "x": "x_train", "y": "y_train"}`: two arrays of a
    /// NumPy `.npz` archive, named without `.npy` (default `x` and `y`).
    case npz(path: String, x: String, y: String, targets: [String])
    /// `{"format": "cifar10", "files": [P, ...]}`: CIFAR-10 binary batches.
    case cifar10(files: [String])
    /// `{"format": "cifar100", "files": [P, ...], "label": "fine" | "coarse"}`.
    case cifar100(files: [String], label: CIFARLabel)
    /// `{"format": "images", "path": DIR}` or `{"format": "images", "index": CSV, "label": COLUMN}`.
    case images(ImageSource)
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
        case .npy: "npy"
        case .npz: "npz"
        case .cifar10: "cifar10"
        case .cifar100: "cifar100"
        case .images: "images"
        case .text: "text"
        }
    }

    /// Whether the samples are byte windows of a text, scored at every position.
    public var isText: Bool {
        if case .text = self { return true }
        return false
    }

    /// The label columns of a CSV source or an image index, or the target names of a NumPy
    /// source; empty for IDX, CIFAR, image folders and text.
    public var labelColumns: [String] {
        switch self {
        case .csv(_, let labels, _): labels
        case .npy(_, _, let targets), .npz(_, _, _, let targets): targets
        case .images(let images): images.labelColumns
        case .idx, .cifar10, .cifar100, .text: []
        }
    }

    /// Whether the labels may be numeric targets (CSV, NumPy, an image index), not only classes.
    public var canHoldTargets: Bool {
        switch self {
        case .csv, .npy, .npz: true
        case .images(let images): !images.labelColumns.isEmpty
        case .idx, .cifar10, .cifar100, .text: false
        }
    }

    /// The options of a CSV source; the defaults for any other.
    public var csvOptions: CSVOptions {
        if case .csv(_, _, let options) = self { return options }
        return CSVOptions()
    }

    /// Every `format` a config may use.
    public static let formats = ["csv", "idx", "npy", "npz", "cifar10", "cifar100", "images", "text"]
}

/// `label` of a CIFAR-100 source: which of a record's two labels is its class.
public enum CIFARLabel: String, Equatable, Sendable, CaseIterable {
    /// The 100 fine classes (the record's second byte).
    case fine
    /// The 20 superclasses (the record's first byte).
    case coarse
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
    /// `{"mean": [...], "std": [...]}`: x / 255, then (x - mean[c]) / std[c] per image
    /// channel (torchvision's `ToTensor()` and `Normalize`); the values are in
    /// `DataConfig.channelStatistics`.
    case channels

    /// The kinds a config names by a string.
    public static let named: [NormalizeKind] = [.none, .scale, .standardize]
}

/// `data.normalize: {"mean": [...], "std": [...]}`: one mean and one positive std per channel.
public struct ChannelStatistics: Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }
}

/// `data.normalize_target`: how regression targets are scaled for training.
public enum NormalizeTargetKind: String, Equatable, Sendable, CaseIterable {
    /// Targets as they are.
    case none
    /// (y - mean) / std per target column, statistics from the training rows, stored with
    /// the model; predictions and reported errors are turned back into original units.
    case standardize
}
