import Foundation

/// A trained network loaded from a `dnn` checkpoint: the Swift API behind `dnn predict`,
/// for programs that depend on this package.
///
/// It reads data as `dnn predict` does (raw CSV rows with the checkpoint's encoding and
/// fill values, image files or folders resized and converted as in training, `.npy`/`.npz`
/// arrays, IDX images) and predicts with the checkpoint's normalisation, so its numbers
/// are the command's:
///
///     let model = try Model(checkpoint: "runs/iris/best.safetensors")
///     let output = try model.predict(file: "flowers.csv")
///     for (label, row) in zip(output.predictedClasses, output.probabilities) { print(label, row) }
public final class Model {
    /// The checkpoint as read: its config, classes, encoding and normalisation.
    public let checkpoint: Checkpoint
    private let network: Sequential<Float>
    private let compute: Compute

    /// Loads the checkpoint at `path` for prediction on `threads` threads.
    /// - Throws: a `.checkpoint` or `.io` `DNNError` naming the file and what is wrong.
    public convenience init(checkpoint path: String, threads: Int = Compute.availableCores) throws {
        try self.init(checkpoint: path, compute: Compute(threads: threads))
    }

    /// Loads the checkpoint at `path`; `compute` sets the threads and product precision.
    public init(checkpoint path: String, compute: Compute) throws {
        checkpoint = try Checkpoint.read(path: path)
        network = try checkpoint.network(path: path)
        self.compute = compute
    }

    /// The class names, in output order; empty for regression.
    public var classes: [String] { checkpoint.classes.names }
    /// Whether the model predicts numeric targets rather than classes.
    public var isRegression: Bool { checkpoint.config.loss.isRegression }
    /// The shape of one sample, as the network takes it.
    public var inputShape: [Int] { checkpoint.inputShape }
    /// The target columns' names (regression); empty for classification.
    public var targetNames: [String] { isRegression ? checkpoint.config.data.train.labelColumns : [] }

    /// Samples read from a file, before normalisation, with what the reader noticed.
    public struct Samples {
        /// One row per sample: features as encoded (one-hot, filled), labels when the file has them.
        public var table: LabelledTable
        /// The image file of each row, when the data was an image or a folder of images.
        public var files: [String]?
        /// One-line notes for the user (unseen categories, skipped files).
        public var warnings: [String]
    }

    /// What the model predicts for a set of samples.
    public struct Output {
        /// Softmax probabilities, [samples][classes]; empty for regression.
        public var probabilities: [[Float]]
        /// The class of each sample (the first of equal probabilities); empty for regression.
        public var predictedClasses: [String]
        /// Predicted targets in their original units, [samples][targets]; empty for classification.
        public var values: [[Float]]
    }

    /// Reads `path` as `dnn predict` does: an image file or a folder of images, an `.npy`
    /// or `.npz`, IDX images (with `idxLabels`, their labels), or a CSV of raw rows whose
    /// label column (`labelColumn`, else the training label) is used when present.
    public func samples(from path: String, labelColumn: String? = nil, idxLabels: String? = nil) throws -> Samples {
        if idxLabels == nil, ImageReader.isImageInput(path) {
            let (table, files) = try readImages(path)
            return Samples(table: table, files: files, warnings: table.warnings)
        }
        if let idxLabels { return Samples(table: try IDXReader.read(images: path, labels: idxLabels), warnings: []) }
        if NumPySource.isArrayFile(path) {
            var member: String?
            if case .npz(_, let x, _, _) = checkpoint.config.data.train { member = x }
            return Samples(table: try NumPySource.readSamples(path: path, member: member), warnings: [])
        }
        if try IDXReader.isIDX(path) { return Samples(table: try IDXReader.readImages(path), warnings: []) }
        var columns = labelColumn.map { [$0] } ?? []
        if labelColumn == nil, case .csv(_, let labels, _) = checkpoint.config.data.train { columns = labels }
        // Label and target columns in the file are not features; absent ones are fine.
        let (table, warnings) = try checkpoint.readCSV(path: path, labels: columns, labelRequired: labelColumn != nil)
        return Samples(table: table, warnings: warnings)
    }

    /// An image file or a folder of images, made into samples as the checkpoint's training
    /// images were (its channels, size and shape), and the files in row order.
    private func readImages(_ path: String) throws -> (LabelledTable, [String]) {
        let shape = checkpoint.inputShape
        guard shape.count == 3, shape[0] == 1 || shape[0] == 3 else {
            throw DNNError(.usage, at: path, "is an image or a folder, but the checkpoint takes samples of shape "
                           + "\(shape), not [1 or 3, H, W] images")
        }
        var source = ImageSource(location: .folder(path), channels: shape[0])
        if case .images(let trained) = checkpoint.config.data.train { source.size = trained.size }
        return try ImageReader.readForPrediction(path, like: source, shape: shape)
    }

    /// Predicts every sample of `path` (see `samples(from:labelColumn:idxLabels:)`).
    public func predict(file path: String) throws -> Output {
        try predict(try samples(from: path), file: path)
    }

    /// Predicts rows of numeric features as training read them (encoded, before
    /// normalisation), each of the checkpoint's sample size.
    /// - Throws: `.usage` when a row has the wrong number of values.
    public func predict(features rows: [[Float]]) throws -> Output {
        let size = inputShape.reduce(1, *)
        for (index, row) in rows.enumerated() where row.count != size {
            throw DNNError(.usage, at: "row \(index)", "has \(row.count) values, but the model takes \(size) per sample")
        }
        let table = LabelledTable(features: rows.flatMap { $0 }, featureCount: size, featureNames: [], labels: nil,
                                  rows: rows.count, lineNumbers: Array(0..<rows.count).map { $0 + 1 }, sampleShape: inputShape)
        return try predict(Samples(table: table, warnings: []), file: "features")
    }

    /// Predicts read samples: the checkpoint's normalisation, then the network in
    /// evaluation mode.
    /// - Parameter file: named in errors about the samples' shape.
    public func predict(_ samples: Samples, file: String) throws -> Output {
        let table = try samples.table.reshaped(to: inputShape, file: file)
        var features = table.features
        checkpoint.normalization.apply(to: &features, featureCount: table.featureCount)
        let context = Context(mode: .evaluation, compute: compute)
        if isRegression {
            let values = Prediction.values(network, features: features, count: table.rows, sampleShape: inputShape,
                                           targetCount: checkpoint.outputCount,
                                           targetNormalization: checkpoint.targetNormalization, context: context)
            return Output(probabilities: [], predictedClasses: [], values: values)
        }
        let probabilities = Prediction.probabilities(network, features: features, count: table.rows,
                                                     sampleShape: inputShape, classCount: classes.count, context: context)
        return Output(probabilities: probabilities, predictedClasses: probabilities.map { classes[Prediction.argmax($0)] },
                      values: [])
    }
}
