import Testing
@testable import DNN

/// The trainer's seam for ranks: `BatchPlanner` deals each rank its rows of every batch, with
/// the batch's row count and class-weight sum, and `LaunchEnvironment` reads the launcher's
/// variables. One process is a communicator of size one, planned by the same code.
struct BatchPlannerTests {
    /// A rank of `size` whose collectives are the identity: what `batch` hands one rank
    /// when the batch is dealt out (not sharded), which needs no collective.
    final class Rank: Communicator, @unchecked Sendable {
        let rank: Int, size: Int
        init(_ rank: Int, of size: Int) { (self.rank, self.size) = (rank, size) }
        func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {}
        func maximum(_ values: UnsafeMutablePointer<Double>, count: Int) {}
        var sharesOneMachine: Bool { true }
        func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {}
        func startSum(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingSum { SingleProcess().startSum(values, count: count) }
        func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) {}
        func sharedWindow(count: Int) -> (any SharedWindow)? { nil }
        func abort(status: Int32) -> Never { fatalError("abort \(status)") }
        func finish() {}
    }

    /// 10 rows of classes 0, 1, 2, 0, 1, 2, ...
    static let train = Dataset(features: (0..<10).map(Float.init), labels: (0..<10).map { Int32($0 % 3) },
                               sampleShape: [1], count: 10)
    static let weights = [0.5, 2.0, 0.3]

    static func planner(_ communicator: any Communicator, batchSize: Int = 4, dropLast: Bool = false,
                        weighted: Bool = false) -> BatchPlanner {
        let solver = SolverConfig(epochs: 1, batchSize: batchSize, shuffle: false, dropLast: dropLast,
                                  optimizer: .sgd(lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0))
        let loss = LossConfig(kind: .crossEntropy, classWeights: weighted ? .list(weights) : nil)
        return BatchPlanner(communicator: communicator, train: train, isShard: false, solver: solver, loss: loss)
    }

    @Test func oneProcessTakesEachWholeBatchInOrder() {
        let planner = Self.planner(SingleProcess())
        #expect(planner.iterations == 3)
        var progress = TrainingProgress(learningRate: 0.1, random: RandomGenerator(seed: 1))
        var dropout = progress.random
        let order = planner.epochOrder(progress: &progress, dropout: &dropout)
        #expect(order == Array(0..<10))
        let batches = (0..<3).map { planner.batch($0, of: order) }
        #expect(batches.map { Array($0.rows) } == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(batches.map(\.globalRows) == [4, 4, 2])
        #expect(batches.allSatisfy { $0.weightSum == nil && $0.share == .whole })
        #expect(Self.planner(SingleProcess(), dropLast: true).iterations == 2)
    }

    @Test func ranksShareEveryBatchAndWeighByTheirRows() {
        let order = Array(0..<10)
        let planners = [Self.planner(Rank(0, of: 3), batchSize: 5), Self.planner(Rank(1, of: 3), batchSize: 5),
                        Self.planner(Rank(2, of: 3), batchSize: 5)]
        for iteration in 0..<2 {
            let parts = planners.map { $0.batch(iteration, of: order) }
            #expect(parts.flatMap(\.rows) == Array(iteration * 5..<(iteration + 1) * 5))
            #expect(parts.map(\.rows.count) == [2, 2, 1] && parts.allSatisfy { $0.globalRows == 5 })
            #expect(parts.map(\.share.gradientScale) == [0.4, 0.4, 0.2])
            #expect(parts.map { $0.lossSum(meanLoss: 1.5) } == [3, 3, 1.5])
        }
    }

    /// With class weights, each rank's loss divides by the whole batch's weight sum (rounded
    /// to Float per row, as the loss applies them) and its gradient is not scaled again.
    @Test func classWeightsGiveTheWholeBatchsWeightSum() {
        let order = Array(0..<10)
        let parts = [Self.planner(Rank(0, of: 2), weighted: true), Self.planner(Rank(1, of: 2), weighted: true)]
            .map { $0.batch(1, of: order) }
        // Rows 4, 5, 6, 7: classes 1, 2, 0, 1.
        let expected = [1, 2, 0, 1].reduce(0.0) { $0 + Double(Float(Self.weights[$1])) }
        #expect(parts.allSatisfy { $0.weightSum == expected && $0.share.gradientScale == 1 })
        #expect(parts.map { $0.lossSum(meanLoss: 0.5) } == [2, 2])
        let single = Self.planner(SingleProcess(), weighted: true).batch(1, of: order)
        #expect(single.weightSum == expected && single.share == BatchShare(gradientScale: 1, weightSum: expected))
    }

    /// A sequence's rows carry one label per position ([rows, T]): the batch's weight sum
    /// is every position's weight, the `W` the loss itself finds for those rows.
    @Test func classWeightsCountEveryPositionOfASequence() throws {
        var train = Dataset(features: (0..<12).map(Float.init), labels: (0..<12).map { Int32($0 * 7 % 3) },
                            sampleShape: [3], count: 4)
        train.labelsPerSample = 3
        let solver = SolverConfig(epochs: 1, batchSize: 2, shuffle: false,
                                  optimizer: .sgd(lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0))
        let loss = LossConfig(kind: .crossEntropy, classWeights: .list(Self.weights))
        let planner = BatchPlanner(communicator: SingleProcess(), train: train, isShard: false, solver: solver, loss: loss)
        let batch = planner.batch(1, of: [3, 1, 0, 2])
        // Batch 1 is rows 0 and 2; position p of row r has class 7(3r + p) mod 3.
        let labels = [0, 2].flatMap { row in (0..<3).map { Int32((row * 3 + $0) * 7 % 3) } }
        let expected = labels.reduce(0.0) { $0 + Double(Float(Self.weights[Int($1)])) }
        #expect(batch.weightSum == expected)
        let logits = Tensor<Float>(shape: [2, 3, 3], values: (0..<18).map { Float($0 % 5) / 4 })
        let own = labels.withUnsafeBufferPointer {
            SoftmaxCrossEntropy<Float>(classWeights: Self.weights).forward(logits, labels: $0.baseAddress!, computeGradient: false)
        }
        #expect(own.weightSum == expected)
    }

    /// One process draws its shuffle and its dropout masks from one generator, in turn; ranks
    /// share the shuffle's generator (`progress.random`) and keep their own masks.
    @Test func generatorsFollowTheRanks() {
        let solver = SolverConfig(epochs: 1, batchSize: 4, optimizer: .sgd(lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0))
        let one = BatchPlanner(communicator: SingleProcess(), train: Self.train, isShard: false, solver: solver,
                               loss: LossConfig(kind: .crossEntropy))
        var progress = TrainingProgress(learningRate: 0.1, random: RandomGenerator(seed: 7))
        var dropout = RandomGenerator(seed: 7)
        let order = one.epochOrder(progress: &progress, dropout: &dropout)
        var expected = RandomGenerator(seed: 7)
        #expect(order == expected.permutation(10) && dropout.stateWords == expected.stateWords)

        let rank = BatchPlanner(communicator: Rank(1, of: 2), train: Self.train, isShard: false, solver: solver,
                                loss: LossConfig(kind: .crossEntropy))
        var shared = TrainingProgress(learningRate: 0.1, random: RandomGenerator(seed: 7))
        var own = RandomGenerator(seed: 99)
        #expect(rank.epochOrder(progress: &shared, dropout: &own) == order)
        #expect(own.stateWords == RandomGenerator(seed: 99).stateWords && shared.random.stateWords == expected.stateWords)
        // Mid-epoch (a resumed run), the same order is drawn again and no generator moves.
        shared.iteration = 2
        let before = (shared.random, own)
        #expect(rank.epochOrder(progress: &shared, dropout: &own) == order)
        #expect(shared.random == before.0 && own == before.1)
    }

    @Test func launchEnvironmentIsReadInOnePlace() {
        let openMPI = LaunchEnvironment(["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_SIZE": "2",
                                         "DNN_MPI_OVERLAP": "1", "DNN_MPI_LIBRARY": "/opt/libmpi.so"])
        #expect(openMPI.size == 4 && openMPI.localSize == 2 && openMPI.overlapsSums == true)
        #expect(openMPI.mpiLibrary == "/opt/libmpi.so" && openMPI.ranksOnThisMachine(ranks: 4) == 2)
        let slurm = LaunchEnvironment(["PMI_SIZE": "3", "DNN_MPI_OVERLAP": "yes"])
        #expect(slurm.size == 3 && slurm.localSize == nil && slurm.overlapsSums == nil)
        #expect(slurm.ranksOnThisMachine(ranks: 3) == 3)
        let none = LaunchEnvironment([:])
        #expect(none.size == nil && none.ranksOnThisMachine(ranks: 1) == 1)
    }
}
