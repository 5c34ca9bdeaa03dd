/// `loss`: the training objective and its options, with PyTorch's names and defaults.
public struct LossConfig: Equatable, Sendable {
    /// The JSON `type`s. An enum so that a new loss is a compile error in every `switch`
    /// until it is handled.
    public enum Kind: String, Equatable, Sendable, CaseIterable {
        /// Softmax + cross-entropy (`nn.CrossEntropyLoss`): classification.
        case crossEntropy = "cross_entropy"
        /// Regression losses on numeric targets (`nn.MSELoss`, `nn.L1Loss`, `nn.HuberLoss`).
        case mse, l1, huber
    }

    public var kind: Kind
    /// `label_smoothing` in [0, 1] (0): the target is `(1 - ε)·onehot + ε/C`.
    public var labelSmoothing: Double
    /// `weight`: per-class weights, or nil for none.
    public var classWeights: ClassWeights?
    /// huber's `delta` (1.0): where the loss turns from quadratic to linear.
    public var delta: Double

    public init(kind: Kind, labelSmoothing: Double = 0, classWeights: ClassWeights? = nil, delta: Double = 1) {
        self.kind = kind
        self.labelSmoothing = labelSmoothing
        self.classWeights = classWeights
        self.delta = delta
    }

    /// Whether the network predicts numbers (mse, l1, huber) rather than classes.
    public var isRegression: Bool { kind != .crossEntropy }

    /// The regression loss function, nil for cross-entropy.
    public var regressionKind: RegressionLossKind? {
        switch kind {
        case .crossEntropy: nil
        case .mse: .mse
        case .l1: .l1
        case .huber: .huber(delta: delta)
        }
    }

    /// The regression loss types, for messages.
    public static let regressionTypeNames = "mse, l1 or huber"

    /// `{"type": "cross_entropy"}` with every option at its default (`nn.CrossEntropyLoss()`).
    public static let crossEntropy = LossConfig(kind: .crossEntropy)

    /// The JSON `type`.
    public var typeName: String { kind.rawValue }

    /// The per-class weights as numbers: the list, nil without weights. `balanced` is
    /// replaced by its list when a run starts (`Config.resolvingClassWeights`), so it is
    /// nil here only before that.
    public var weightList: [Double]? {
        if case .list(let weights) = classWeights { return weights }
        return nil
    }
}

/// `loss.weight` of cross-entropy: `nn.CrossEntropyLoss(weight=...)`.
public enum ClassWeights: Equatable, Sendable {
    /// One weight per class, in class-index order.
    case list([Double])
    /// `N / (C · count_c)` over the training rows (scikit-learn's
    /// `compute_class_weight("balanced")`); stored as its list in the resolved config.
    case balanced

    /// `balanced` for these per-class row counts (every count at least 1).
    static func balanced(counts: [Int]) -> [Double] {
        let total = Double(counts.reduce(0, +)), classes = Double(counts.count)
        return counts.map { total / (classes * Double($0)) }
    }
}

extension Config {
    /// This config with `loss.weight` checked against the number of classes and
    /// `"balanced"` computed on `labels` (the training rows' class indices) and recorded
    /// as its list.
    /// - Throws: a `.config` error at `loss.weight` for a list of the wrong length, or
    ///   `balanced` with a class that has no rows.
    public func resolvingClassWeights(labels: [Int32], classCount: Int, classNames: [String] = []) throws -> Config {
        switch loss.classWeights {
        case nil:
            return self
        case .list(let weights):
            guard weights.count == classCount else {
                throw DNNError.config("loss.weight", "has \(weights.count) weights, but the network scores \(classCount) classes",
                                      hint: "give one weight per class, in class-index order (dnn eval lists the classes)")
            }
            return self
        case .balanced:
            var counts = [Int](repeating: 0, count: classCount)
            for label in labels where Int(label) < classCount { counts[Int(label)] += 1 }
            if let empty = counts.firstIndex(of: 0) {
                let name = empty < classNames.count ? "'\(classNames[empty])'" : "\(empty)"
                throw DNNError.config("loss.weight", "\"balanced\" needs training rows of every class, and class \(name) has none",
                                      hint: "give the weights as a list")
            }
            return withClassWeights(ClassWeights.balanced(counts: counts))
        }
    }
}
