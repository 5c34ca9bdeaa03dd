import Foundation

/// Averages the gradients of every rank over the global batch: while the backward pass
/// is still running, as PyTorch's DistributedDataParallel does, or (`overlap` false) right
/// after it.
///
/// The parameters are grouped into buckets of about `bucketBytes`, in the order backward
/// finishes them (the last layers first). A bucket's gradients live side by side in one
/// flat buffer (each gradient tensor is a view into it), so as soon as backward has passed
/// every layer of a bucket, its sum over the ranks starts in place, with no copy; later
/// layers' backward runs while it travels. `finish` waits for the rest. Each rank's
/// gradient is weighted by its share of the batch's rows (`n_r / n`) at the source: the
/// objective scales the loss gradient by `BatchShare.gradientScale` before backward (with
/// class weights, 1, and cross-entropy divides by the whole batch's weight sum instead).
/// The buffers are made once: a step allocates nothing. One process has nothing to sum:
/// no buckets, and its gradients stay where they are.
///
/// Without `overlap`, the buckets are summed after backward with blocking allreduces:
/// the better choice of the two when all ranks share one machine (where `SharedGradients`
/// replaces both unless `DNN_MPI_SHARED=0`), where a sum is memory copies made by
/// the same cores that compute (nothing to overlap with) and Open MPI's blocking
/// `MPI_Allreduce` of 2 MB takes about 0.25 ms against 0.5 ms for `MPI_Iallreduce` and its
/// wait (`tools/allreduce_bench.c`).
final class GradientReducer: GradientSum {
    private struct Bucket {
        /// The parameters, and the first (lowest) layer index among them.
        var parameters: [Parameter<Float>]
        var firstLayer: Int
        /// [Σ parameter sizes] Float: the storage of the parameters' gradients, which hold
        /// this rank's weighted gradient, then its sum over the ranks.
        var buffer: Tensor<Float>
        var pending: PendingSum?
    }

    private let communicator: any Communicator
    /// Whether sums start during backward (`MPI_Iallreduce`) or run after it (`MPI_Allreduce`).
    let overlap: Bool
    private var buckets: [Bucket] = []
    /// Seconds spent waiting for sums after backward (the part not hidden behind it).
    private(set) var waitSeconds = 0.0

    /// - Parameter layers: the network's top-level layers, whose backward is reported by index.
    init(layers: [any Layer<Float>], communicator: any Communicator, overlap: Bool, bucketBytes: Int = 1 << 20) {
        self.communicator = communicator
        self.overlap = overlap
        guard communicator.size > 1 else { return }
        var current: [Parameter<Float>] = [], size = 0
        for index in layers.indices.reversed() {
            current += layers[index].parameters.map(\.parameter)
            size += layers[index].parameters.reduce(0) { $0 + $1.parameter.value.count }
            if size * 4 >= bucketBytes || index == 0, !current.isEmpty {
                let buffer = Tensor<Float>(shape: [size])
                var offset = 0
                for parameter in current {
                    parameter.gradient.relocate(into: buffer, at: offset)
                    offset += parameter.gradient.count
                }
                buckets.append(Bucket(parameters: current, firstLayer: index, buffer: buffer, pending: nil))
                current = []
                size = 0
            }
        }
    }

    /// Called after layer `index`'s backward: starts every bucket that is now complete and
    /// lets the sums in flight progress.
    func layerFinished(_ index: Int) {
        guard overlap else { return }
        for b in buckets.indices where buckets[b].pending == nil && buckets[b].firstLayer >= index {
            start(b)
        }
        for bucket in buckets { _ = bucket.pending?.test() }
    }

    /// For a rank without rows in this batch (or with a non-finite loss): its contribution
    /// is zero.
    func contributeNothing() {
        for b in buckets.indices where buckets[b].pending == nil { buckets[b].buffer.zero() }
    }

    /// Completes every sum: the gradients then hold their sums over the ranks.
    func finish() {
        guard !buckets.isEmpty else { return }
        let started = Date()
        for b in buckets.indices {
            if !overlap {
                checkViews(b)
                communicator.sum(buckets[b].buffer.data, count: buckets[b].buffer.count)
                continue
            }
            if buckets[b].pending == nil { start(b) }
            buckets[b].pending?.wait()
            buckets[b].pending = nil
        }
        waitSeconds += Date().timeIntervalSince(started)
    }

    /// Resets the waiting time (once per epoch).
    func takeWaitSeconds() -> Double {
        defer { waitSeconds = 0 }
        return waitSeconds
    }

    private func start(_ b: Int) {
        checkViews(b)
        buckets[b].pending = communicator.startSum(buckets[b].buffer.data, count: buckets[b].buffer.count)
    }

    /// Only a reshape could move a gradient out of its bucket, and nothing reshapes one.
    private func checkViews(_ b: Int) {
        var offset = 0
        for parameter in buckets[b].parameters {
            precondition(parameter.gradient.data == buckets[b].buffer.data + offset, "a gradient left its bucket")
            offset += parameter.gradient.count
        }
    }
}
