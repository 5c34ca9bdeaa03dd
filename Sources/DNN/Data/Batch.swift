/// A batch buffer: samples gathered from a dataset into one contiguous input tensor and
/// a label array (or a target matrix, for regression), allocated once and refilled every step.
public final class Batch {
    /// [N, sample shape...].
    public let input: Tensor<Float>
    /// [N, labelsPerSample] class indices.
    public private(set) var labels: UnsafeMutablePointer<Int32>
    /// Class labels per sample: 1, or T for per-position targets.
    public let labelsPerSample: Int
    /// [N, targetCount] regression targets; unused for classification (targetCount 0).
    public let targetValues: Tensor<Float>
    private let sampleShape: [Int]
    /// The most samples it holds.
    public let capacity: Int

    public init(sampleShape: [Int], capacity: Int, targetCount: Int = 0, labelsPerSample: Int = 1) {
        self.sampleShape = sampleShape
        self.capacity = Swift.max(capacity, 1)
        self.labelsPerSample = labelsPerSample
        input = Tensor(shape: [self.capacity] + sampleShape)
        labels = .allocate(capacity: self.capacity * labelsPerSample)
        labels.initialize(repeating: 0, count: self.capacity * labelsPerSample)
        targetValues = Tensor(shape: [self.capacity, targetCount])
    }

    deinit { labels.deallocate() }

    /// What the batch's rows are scored against: class indices, or the target values.
    public var targets: Targets<Float> {
        targetValues.shape[1] > 0 ? .values(UnsafePointer(targetValues.data)) : .classes(UnsafePointer(labels))
    }

    /// Copies the samples at `indices` (at most `capacity`) into the batch.
    public func fill<C: Collection<Int>>(from dataset: Dataset, indices: C) {
        let size = dataset.sampleSize
        precondition(indices.count <= capacity, "batch of \(indices.count) exceeds capacity \(capacity)")
        input.reshape(to: [indices.count] + sampleShape)
        for (row, index) in indices.enumerated() {
            dataset.storage.gather(row: index, width: size, into: input.data + row * size, normalization: dataset.normalization)
        }
        guard dataset.isRegression else {
            let width = labelsPerSample
            for (row, index) in indices.enumerated() {
                for j in 0..<width { labels[row * width + j] = dataset.labels[index * width + j] }
            }
            return
        }
        let width = dataset.targetCount
        targetValues.reshape(to: [indices.count, width])
        for (row, index) in indices.enumerated() {
            for j in 0..<width { targetValues.data[row * width + j] = dataset.targets[index * width + j] }
        }
    }
}
