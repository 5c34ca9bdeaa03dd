import Foundation

/// The trainer's one seam for ranks, as PyTorch's process group is one object whether its
/// world size is 1 or 64: every rank takes its share of each global batch
/// (`BatchPlanner`), the gradients are averaged over the batch's rows (`GradientReducer`
/// while backward runs; on one machine `SharedGradients`, where each rank then steps its
/// chunk of the optimizer: `ShardedOptimizer`), and every number that decides what happens
/// next is agreed on by all ranks, so they all take identical optimizer steps and stop at
/// the same step (`mpirun -np N dnn train`). Without a launcher the communicator is `SingleProcess`,
/// whose collectives are the identity: the trainer never asks which kind it has.
///
/// Batchnorm: each rank normalises with its own batch statistics (PyTorch DDP's default);
/// the running statistics of rank 0 are sent to every rank before each validation and
/// snapshot, as DDP's `broadcast_buffers`, so every rank evaluates with, and the
/// checkpoint holds, the same statistics. Dropout masks differ per rank.
final class DataParallel {
    let communicator: any Communicator
    /// How gradients are summed over the ranks: through shared memory on one machine
    /// (`SharedGradients`), else `MPI_Allreduce` in buckets (`GradientReducer`).
    let reducer: any GradientSum
    /// The ranks' shared memory when they share one machine; nil otherwise.
    private let shared: SharedGradients?

    /// Lays out the gradients for their sums (before the optimizer is made, as it may be
    /// sharded over the ranks: `optimizer(_:)`); `sumGradients(of:)` then hooks the objective.
    init(communicator: any Communicator, network: Sequential<Float>, environment: LaunchEnvironment = .current) {
        self.communicator = communicator
        shared = Self.sharesMemory(communicator, environment: environment)
            ? SharedGradients(parameters: network.parameters, communicator: communicator) : nil
        let reducer: any GradientSum = shared ?? GradientReducer(layers: network.layers, communicator: communicator,
                                                overlap: Self.overlapsSums(communicator, environment: environment))
        self.reducer = reducer
        network.onLayerBackward = { [reducer] index in reducer.layerFinished(index) }
    }

    /// The objective sums the gradients over the ranks between backward and the reg term.
    func sumGradients(of objective: Objective<Float>) {
        objective.reducer = reducer
    }

    /// The optimizer every rank runs: `optimizer` itself, or, on one machine, each rank
    /// stepping its chunk of it (`ShardedOptimizer`).
    func optimizer(_ optimizer: any Optimizer<Float>) -> any Optimizer<Float> {
        shared.map { ShardedOptimizer(optimizer, shared: $0) } ?? optimizer
    }

    /// Whether ranks sum through shared memory: when they all share this machine, unless
    /// `DNN_MPI_SHARED=0` asks for the allreduce path.
    static func sharesMemory(_ communicator: any Communicator, environment: LaunchEnvironment) -> Bool {
        communicator.size > 1 && communicator.sharesOneMachine && environment.sharedMemory != false
    }

    /// Whether gradient sums overlap backward: across machines (the network moves the bytes
    /// while the cores compute), not within one (see `GradientReducer`). `DNN_MPI_OVERLAP=1`
    /// or `0` chooses.
    static func overlapsSums(_ communicator: any Communicator, environment: LaunchEnvironment) -> Bool {
        environment.overlapsSums ?? !communicator.sharesOneMachine
    }

    /// `overlapsSums` for an environment given as variables.
    static func overlapsSums(_ communicator: any Communicator, environment: [String: String]) -> Bool {
        overlapsSums(communicator, environment: LaunchEnvironment(environment))
    }

    /// The dropout generator of `rank`: its own masks, from the run's seed.
    static func dropoutRandom(seed: UInt64, rank: Int) -> RandomGenerator {
        RandomGenerator(seed: seed ^ (0xD1B5_4A32_D192_ED03 &* UInt64(rank + 1)))
    }

    /// The generator of this process's dropout masks as training starts. One process has
    /// one generator for everything (`BatchPlanner.epochOrder`): the progress's. A rank
    /// continues its own as a resumed run saved it (`rankRandom`, by rank), or starts it
    /// from the seed.
    func dropoutRandom(progress: TrainingProgress, saved rankRandom: [RandomGenerator], seed: UInt64) -> RandomGenerator {
        if communicator.size == 1 { return progress.random }
        return rankRandom.count == communicator.size ? rankRandom[communicator.rank]
            : Self.dropoutRandom(seed: seed, rank: communicator.rank)
    }

    /// The generators a snapshot saves (a collective: every rank calls it): one process's
    /// one generator goes into `progress.random`; the ranks' dropout generators are
    /// gathered, by rank, into the returned list.
    func generatorsToSave(_ progress: inout TrainingProgress, dropout: RandomGenerator) -> [RandomGenerator] {
        guard communicator.size > 1 else {
            progress.random = dropout
            return []
        }
        return gatherRandom(dropout)
    }

    /// FNV-1a (64-bit) of `text`'s UTF-8 bytes: a fingerprint the ranks compare.
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// Throws on every rank unless all ranks run the same resolved config and `dnn` version.
    func checkSameConfig(_ config: Config) throws {
        let fingerprint = Self.fnv1a(config.resolvedJSON.serialized(pretty: false) + DNNVersion.current)
        let halves = [Double(fingerprint >> 32), Double(fingerprint & 0xFFFF_FFFF)]
        let highest = communicator.maximized(halves), lowest = communicator.maximized(halves.map { -$0 }).map { -$0 }
        guard highest == lowest else {
            throw DNNError(.usage, at: "mpirun", "the ranks run different configs or different dnn versions",
                           hint: "give every rank the same config file, options and dnn binary")
        }
    }

    /// One step's numbers summed over the ranks (loss · rows, correct rows, rows), and the
    /// largest stop signal any rank received (nil for none).
    ///
    /// One collective per step, not two: besides the three sums, each rank puts a 1 in the
    /// slot of its signal (1...64, Linux's signal numbers), so the summed slots count the
    /// ranks that received each signal, and the highest slot that is not zero is the
    /// largest signal, on every rank alike. Each collective is a rendezvous of all ranks,
    /// which costs most where ranks share their cores with other work; on shared memory the
    /// numbers ride on the barrier that ends the optimizer step instead, which every rank
    /// needs before its next forward anyway (`SharedGradients.publishWeights(summing:)`).
    func agree(lossSum: Double, correct: Int, rows: Int, signal: Int32?) -> (lossSum: Double, correct: Int, rows: Int, signal: Int32?) {
        var values = [lossSum, Double(correct), Double(rows)] + Array(repeating: 0.0, count: Self.signalSlots)
        if let signal { values[2 + Swift.min(Swift.max(Int(signal), 1), Self.signalSlots)] = 1 }
        sum(&values)
        let largest = (1...Self.signalSlots).last { values[2 + $0] > 0 }
        return (values[0], Int(values[1]), Int(values[2]), largest.map(Int32.init))
    }

    /// `values` summed over the ranks: on shared memory through the barrier that publishes
    /// the step's weights (`SharedGradients.publishWeights(summing:)`), else `MPI_Allreduce`.
    private func sum(_ values: inout [Double]) {
        if let shared {
            shared.publishWeights(summing: &values)
        } else {
            values = communicator.summed(values)
        }
    }

    /// Signal numbers that `agree` counts: 1...64.
    static let signalSlots = 64

    /// The largest stop signal any rank received (nil for none), so that no rank goes on alone.
    func agreed(signal: Int32?) -> Int32? {
        let agreed = Int32(communicator.maximized([Double(signal ?? 0)])[0])
        return agreed == 0 ? nil : agreed
    }

    /// Rank 0's buffers (running statistics, batch counters) on every rank; one process's
    /// are rank 0's already.
    func synchronizeBuffers(_ network: Sequential<Float>) {
        guard communicator.size > 1 else { return }
        for (_, entry) in network.state {
            switch entry {
            case .parameter: continue
            case .buffer(let tensor): communicator.broadcast(tensor.data, count: tensor.count, root: 0)
            case .counter(let counter):
                var value = Float(counter.value)
                communicator.broadcast(&value, count: 1, root: 0)
                counter.value = Int(value)
            }
        }
    }

    /// The validation set, each rank scoring its contiguous share, combined: the loss and
    /// sample sums, then the confusion matrix or (regression) the error sums, whose R²
    /// needs Σy, Σy² and Σ(y - ŷ)² of every rank.
    ///
    /// - Parameter isShare: whether `dataset` already is this rank's share (`data.shard`).
    func evaluate(_ network: Sequential<Float>, on dataset: Dataset, isShare: Bool = false, classCount: Int, batchSize: Int,
                  loss: LossConfig, targetNormalization: Normalization, context: Context) -> Evaluation {
        let mine = isShare ? 0..<dataset.count : communicator.share(of: 0..<dataset.count)
        let part = Evaluation.run(network, on: dataset, rows: mine, classCount: classCount, batchSize: batchSize,
                                  loss: loss, targetNormalization: targetNormalization, context: context)
        // One process's evaluation is the whole one: nothing to combine (or to round again).
        guard communicator.size > 1 else { return part }
        let ownSums = part.regression?.sums ?? part.confusion.flatMap { $0.map(Double.init) }
        let values = communicator.summed([part.loss * part.weightSum, Double(part.samples), part.weightSum] + ownSums)
        let samples = Int(values[1]), sums = Array(values[3...])
        var combined = Evaluation(loss: values[0] / Swift.max(values[2], .leastNonzeroMagnitude), accuracy: 0,
                                  samples: samples, confusion: [], weightSum: values[2])
        if let errors = part.regression {
            combined.regression = RegressionErrors(sums: sums, columns: errors.columns)
            return combined
        }
        combined.confusion = (0..<classCount).map { row in (0..<classCount).map { Int(sums[row * classCount + $0]) } }
        let correct = (0..<classCount).reduce(0) { $0 + combined.confusion[$1][$1] }
        combined.accuracy = Double(correct) / Double(Swift.max(samples, 1))
        return combined
    }

    /// Every rank's dropout generator, in rank order (a collective: every rank calls it).
    func gatherRandom(_ random: RandomGenerator) -> [RandomGenerator] {
        // Each word as two exact 32-bit halves in Doubles, in this rank's slot; zeros elsewhere.
        var values = [Double](repeating: 0, count: communicator.size * 8)
        for (index, word) in random.stateWords.enumerated() {
            values[communicator.rank * 8 + 2 * index] = Double(word >> 32)
            values[communicator.rank * 8 + 2 * index + 1] = Double(word & 0xFFFF_FFFF)
        }
        values = communicator.summed(values)
        return (0..<communicator.size).compactMap { rank in
            RandomGenerator(state: (0..<4).map { UInt64(values[rank * 8 + 2 * $0]) << 32 | UInt64(values[rank * 8 + 2 * $0 + 1]) })
        }
    }
}
