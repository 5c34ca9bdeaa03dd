/// A batch buffer: samples gathered from a dataset into one contiguous input tensor and
/// a label array, allocated once and refilled every step.
public final class Batch {
    /// [N, sample shape...].
    public let input: Tensor<Float>
    /// [N] class indices.
    public private(set) var labels: UnsafeMutablePointer<Int32>
    private let sampleShape: [Int]
    /// The most samples it holds.
    public let capacity: Int

    public init(sampleShape: [Int], capacity: Int) {
        self.sampleShape = sampleShape
        self.capacity = Swift.max(capacity, 1)
        input = Tensor(shape: [self.capacity] + sampleShape)
        labels = .allocate(capacity: self.capacity)
        labels.initialize(repeating: 0, count: self.capacity)
    }

    deinit { labels.deallocate() }

    /// Copies the samples at `indices` (at most `capacity`) into the batch.
    public func fill<C: Collection<Int>>(from dataset: Dataset, indices: C) {
        let size = dataset.sampleSize
        precondition(indices.count <= capacity, "batch of \(indices.count) exceeds capacity \(capacity)")
        input.reshape(to: [indices.count] + sampleShape)
        dataset.features.withUnsafeBufferPointer { features in
            for (row, index) in indices.enumerated() {
                (input.data + row * size).update(from: features.baseAddress! + index * size, count: size)
                labels[row] = dataset.labels[index]
            }
        }
    }
}
