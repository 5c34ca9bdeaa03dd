/// How a rank's weighted gradients become their sum over the ranks, between backward and
/// the reg term: `GradientReducer` (`MPI_Allreduce` in buckets, during or after backward)
/// or `SharedGradients` (ranks on one machine, through shared memory). The objective calls
/// it; one process has a `GradientReducer` without buckets, which does nothing.
protocol GradientSum: AnyObject {
    /// Called after layer `index`'s backward (the network's `onLayerBackward`).
    func layerFinished(_ index: Int)
    /// For a rank without rows in this batch (or with a non-finite loss): it adds zero.
    func contributeNothing()
    /// Completes the sum: every rank's gradients then hold it.
    func finish()
    /// The seconds spent in sums since the last call (once per epoch: `allreduce_seconds`).
    func takeWaitSeconds() -> Double
}
