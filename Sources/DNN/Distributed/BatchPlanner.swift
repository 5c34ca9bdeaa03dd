/// One training step's rows as this rank sees them (`BatchPlanner.batch`).
struct PlannedBatch {
    /// This rank's rows (indices into its training set), in batch order; empty when the
    /// batch has fewer rows than there are ranks.
    var rows: ArraySlice<Int>
    /// The rows of the whole batch, over every rank.
    var globalRows: Int
    /// With class weights, the whole batch's class-weight sum; nil without.
    var weightSum: Double?

    /// How this rank's rows count in the batch.
    var share: BatchShare {
        BatchShare(gradientScale: weightSum == nil ? Double(rows.count) / Double(globalRows) : 1, weightSum: weightSum)
    }

    /// This rank's part of the batch's loss times its rows, given the mean loss of its
    /// rows: summed over the ranks, the batch's loss times its rows, as in one process
    /// (with class weights each rank's loss already is its part of the batch's mean).
    func lossSum(meanLoss: Double) -> Double {
        meanLoss * Double(weightSum == nil ? rows.count : globalRows)
    }
}

/// Which rows this rank trains on, step by step: PyTorch's `DistributedSampler` and
/// `BatchSampler` in one, for any number of ranks (one process is one rank of one).
///
/// Every rank draws the same permutation of the epoch, cuts it into batches of
/// `solver.batch_size` and takes its contiguous share of each (`contiguousShare`). Under
/// `data.shard` a rank holds only its own rows: it cuts its own permutation into batches
/// of its share of `batch_size`, and the batch's row count and weight sum are collectives.
/// Either way a step gets this rank's rows, the global row count and the weight sum as
/// values (`PlannedBatch`).
final class BatchPlanner {
    private let communicator: any Communicator
    /// The training rows this rank holds (its shard's under `data.shard`).
    let rowCount: Int
    /// Whether the rows are this rank's shard (`data.shard` over several ranks).
    let isShard: Bool
    private let shuffle: Bool
    private let dropLast: Bool
    /// Rows per step in the permutation this rank cuts: the batch, or its share of it.
    let localBatchSize: Int
    /// `loss.weight` by class, rounded to Float as the loss applies them, the labels they
    /// are looked up by ([rows, labelsPerSample]: one per position of a sequence) and the
    /// labels per row; nil without class weights.
    private let classWeights: ClassWeightTable?
    /// Iterations per epoch, agreed by the ranks in `agreeOnIterations`.
    private(set) var iterations: Int

    init(communicator: any Communicator, train: Dataset, isShard: Bool, solver: SolverConfig, loss: LossConfig) {
        self.communicator = communicator
        rowCount = train.count
        self.isShard = isShard
        shuffle = solver.shuffle
        dropLast = solver.dropLast
        localBatchSize = isShard ? Swift.max(1, communicator.share(of: 0..<solver.batchSize).count) : solver.batchSize
        classWeights = train.isRegression ? nil : loss.weightList.map {
            ClassWeightTable(weights: $0.map(Float.init), labels: train.labels, labelsPerRow: train.labelsPerSample)
        }
        iterations = dropLast ? rowCount / localBatchSize : (rowCount + localBatchSize - 1) / localBatchSize
    }

    /// Makes every rank run as many iterations per epoch as the rank that needs the most
    /// (only shards can differ); a collective, called once every rank is ready.
    func agreeOnIterations() {
        iterations = Int(communicator.maximized([Double(iterations)])[0])
    }

    /// The epoch's order of the rows, drawn from the epoch's generator, which is taken at
    /// the epoch's start (`progress.iteration == 0`) and kept in `progress.epochRandom`, so
    /// that a mid-epoch resume draws the same order again.
    ///
    /// The ranks of a data-parallel run share the shuffle generator (`progress.random`) and
    /// keep their own dropout masks (`dropout`). One process draws both from one generator,
    /// `dropout`, in turn: the shuffle, then the epoch's masks, then the next shuffle.
    func epochOrder(progress: inout TrainingProgress, dropout: inout RandomGenerator) -> [Int] {
        let starting = progress.iteration == 0
        let sharesGenerator = communicator.size == 1
        if starting { progress.beginEpoch(random: sharesGenerator ? dropout : progress.random) }
        var shuffler = progress.epochRandom
        let order = shuffle ? shuffler.permutation(rowCount) : Array(0..<rowCount)
        if starting && sharesGenerator { dropout = shuffler }
        if starting && !sharesGenerator { progress.random = shuffler }
        return order
    }

    /// This rank's rows of batch `iteration` of `order`, the batch's row count and its
    /// class-weight sum. Under `data.shard` these are collectives: every rank calls this
    /// at every step.
    func batch(_ iteration: Int, of order: [Int]) -> PlannedBatch {
        let block = Swift.min(iteration * localBatchSize, rowCount)..<Swift.min((iteration + 1) * localBatchSize, rowCount)
        guard isShard else {
            let weightSum = classWeights.map { $0.sum(of: order[block]) }
            return PlannedBatch(rows: order[communicator.share(of: block)], globalRows: block.count, weightSum: weightSum)
        }
        let rows = order[block]
        let globalRows = Int(communicator.summed([Double(rows.count)])[0])
        let weightSum = classWeights.map { communicator.summed([$0.sum(of: rows)])[0] }
        return PlannedBatch(rows: rows, globalRows: globalRows, weightSum: weightSum)
    }
}
