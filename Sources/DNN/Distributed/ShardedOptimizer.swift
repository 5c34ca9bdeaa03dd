/// The optimizer of ranks that share one machine (ZeRO stage 1 without its collectives):
/// each rank steps only its chunk of the parameters (`SharedGradients.owned`) and the
/// ranks then hand each other their updated chunks through shared memory, so the
/// optimizer's work is split N ways instead of repeated on every rank.
///
/// Adam, AdamW, SGD and RMSprop are elementwise, so a chunk's elements get the bits a
/// whole step would give them, and the weights stay identical to the allreduce path's. The
/// optimizer's state (moments, momentum buffers) is current only in the owned chunk;
/// `gatherState` completes it on every rank before a snapshot saves it, and `--resume`
/// loads the whole state on every rank (before this wrapper is installed).
final class ShardedOptimizer: Optimizer {
    typealias Element = Float
    private let inner: any Optimizer<Float>
    private let shared: SharedGradients

    init(_ inner: any Optimizer<Float>, shared: SharedGradients) {
        self.inner = inner
        self.shared = shared
    }

    var learningRate: Double {
        get { inner.learningRate }
        set { inner.learningRate = newValue }
    }

    var stepCount: Int {
        get { inner.stepCount }
        set { inner.stepCount = newValue }
    }

    var state: [(name: String, tensor: Tensor<Float>)] { inner.state }

    /// This rank's chunk, written for the others; `DataParallel.agree` then completes the
    /// exchange of weights (a collective: every rank steps, then agrees).
    func step(_ compute: Compute) {
        shared.step(inner, compute)
    }

    func step(_ compute: Compute, elements: Range<Int>) {
        inner.step(compute, elements: elements)
    }

    /// No update here; the ranks that did step meet this one in `DataParallel.agree` (the
    /// run then ends: a loss that is not finite on any rank stops every rank).
    func skipStep() {}

    /// Each state tensor's chunks from their owners (the state lists the same number of
    /// tensors per parameter, grouped by parameter: one exchange per position in a group).
    func gatherState() {
        let tensors = inner.state.map(\.tensor), parameterCount = shared.parameters.count
        precondition(tensors.count % parameterCount == 0, "an optimizer state not grouped by parameter")
        let perParameter = tensors.count / parameterCount
        for position in 0..<perParameter {
            shared.share((0..<parameterCount).map { tensors[$0 * perParameter + position] }, after: true)
        }
    }
}
