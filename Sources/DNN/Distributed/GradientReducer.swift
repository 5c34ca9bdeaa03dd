import Foundation

/// Averages the gradients of every rank over the global batch while the backward pass
/// is still running, as PyTorch's DistributedDataParallel does.
///
/// The parameters are grouped into buckets of about `bucketBytes`, in the order backward
/// finishes them (the last layers first). As soon as backward has passed every layer of a
/// bucket, its gradients are copied, weighted by this rank's share of the batch's rows
/// (`n_r / n`), into one flat buffer whose sum over the ranks starts at once; later layers'
/// backward runs while it travels. `finish` waits for the rest and copies the sums back.
/// The buffers are made once: a step allocates nothing.
final class GradientReducer {
    private struct Bucket {
        /// The parameters, and the first (lowest) layer index among them.
        var parameters: [Parameter<Float>]
        var firstLayer: Int
        /// [Σ parameter sizes] Float: the weighted gradients, then their sum over ranks.
        var buffer: UnsafeMutablePointer<Float>
        var count: Int
        var pending: PendingSum?
    }

    private let communicator: any Communicator
    private var buckets: [Bucket] = []
    /// This rank's rows over the global batch's rows, set before each backward.
    var weight = 1.0
    /// Seconds spent waiting for sums after backward (the part not hidden behind it).
    private(set) var waitSeconds = 0.0

    /// - Parameter layers: the network's top-level layers, whose backward is reported by index.
    init(layers: [any Layer<Float>], communicator: any Communicator, bucketBytes: Int = 1 << 20) {
        self.communicator = communicator
        var current: [Parameter<Float>] = [], size = 0
        for index in layers.indices.reversed() {
            current += layers[index].parameters.map(\.parameter)
            size += layers[index].parameters.reduce(0) { $0 + $1.parameter.value.count }
            if size * 4 >= bucketBytes || index == 0, !current.isEmpty {
                buckets.append(Bucket(parameters: current, firstLayer: index,
                                      buffer: .allocate(capacity: size), count: size, pending: nil))
                current = []
                size = 0
            }
        }
    }

    deinit { for bucket in buckets { bucket.buffer.deallocate() } }

    /// Called after layer `index`'s backward: starts every bucket that is now complete and
    /// lets the sums in flight progress.
    func layerFinished(_ index: Int) {
        for b in buckets.indices where buckets[b].pending == nil && buckets[b].firstLayer >= index {
            start(b)
        }
        for bucket in buckets { _ = bucket.pending?.test() }
    }

    /// For a rank without rows in this batch: its contribution is zero.
    func contributeNothing() {
        weight = 0
        for b in buckets.indices where buckets[b].pending == nil { start(b) }
    }

    /// Waits for every sum and writes it into the gradients.
    func finish() {
        let started = Date()
        for b in buckets.indices {
            if buckets[b].pending == nil { start(b) }
            buckets[b].pending?.wait()
            buckets[b].pending = nil
            var offset = 0
            for parameter in buckets[b].parameters {
                parameter.gradient.data.update(from: buckets[b].buffer + offset, count: parameter.value.count)
                offset += parameter.value.count
            }
        }
        waitSeconds += Date().timeIntervalSince(started)
    }

    /// Resets the waiting time (once per epoch).
    func takeWaitSeconds() -> Double {
        defer { waitSeconds = 0 }
        return waitSeconds
    }

    private func start(_ b: Int) {
        var offset = 0
        let scale = Float(weight), buffer = buckets[b].buffer
        for parameter in buckets[b].parameters {
            let gradient = parameter.gradient.data
            let target = buffer + offset
            for i in 0..<parameter.value.count { target[i] = scale * gradient[i] }
            offset += parameter.value.count
        }
        buckets[b].pending = communicator.startSum(buffer, count: buckets[b].count)
    }
}
