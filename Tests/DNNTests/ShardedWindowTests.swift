import Foundation
import Testing
@testable import DNN

/// `SharedGradients` without MPI: two ranks as two threads of this process over one block
/// of memory (`ThreadWindow`, what `MPI_Win_allocate_shared` and `MPI_Barrier` give), checked
/// against the single-process arithmetic: the sum (the chunk boundary falls inside a
/// parameter), the weights stepped chunk by chunk and exchanged to the bits of a whole Adam
/// step, the step's numbers summed through the weights' barrier, and the optimizer state
/// made whole by `gatherState`.
@Suite struct ShardedWindowTests {
    /// Rank `rank`'s gradient of parameter `index`, element `i`.
    static func gradient(rank: Int, _ index: Int, _ i: Int) -> Float { Float((i * 7 + index * 3 + rank * 5) % 23 - 11) / 7 }

    @Test func twoThreadRanksGiveTheBitsOfOneProcess() throws {
        let window = ThreadWindow(capacity: 4096, ranks: 2)
        let config = OptimizerConfig.adam(lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0)
        // One process: the summed gradient, one whole step.
        let reference = ShardedStepTests.parameters(seed: 5)
        for (index, (_, parameter)) in reference.enumerated() {
            for i in 0..<parameter.gradient.count {
                parameter.gradient.data[i] = Self.gradient(rank: 0, index, i) + Self.gradient(rank: 1, index, i)
            }
        }
        let expectedGradients = reference.map { $0.parameter.gradient.array.map(\.bitPattern) }
        let whole = config.makeOptimizer(for: reference)
        whole.step(Compute(threads: 1))
        let ranks = (0..<2).map { ThreadRankRun(rank: $0, window: window, config: config) }
        let threads = ranks.map { run in Thread { run.run() } }
        threads.forEach { $0.start() }
        for run in ranks { run.done.wait() }
        // Each rank's numbers (`ThreadRankRun.run`), added in rank order.
        let numbers: [Double] = [1.25 + 2.25, 1 + 1, Double(1) / 1.5 + Double(2) / 1.5]
        for run in ranks {
            #expect(run.gradients == expectedGradients, "rank \(run.rank)")
            #expect(run.numbers == numbers, "rank \(run.rank)")
            #expect(run.weights == reference.map { $0.parameter.value.array.map(\.bitPattern) }, "rank \(run.rank)")
            #expect(run.state == whole.state.map { $0.tensor.array.map(\.bitPattern) }, "rank \(run.rank)")
        }
    }
}

/// One rank's part of the test, on its own thread: the same parameters (the same seed, as
/// every rank builds its network), its own gradients.
final class ThreadRankRun: @unchecked Sendable {
    let rank: Int
    let communicator: ThreadRank
    let config: OptimizerConfig
    let done = DispatchSemaphore(value: 0)
    var gradients: [[UInt32]] = [], weights: [[UInt32]] = [], state: [[UInt32]] = []
    var numbers: [Double] = []

    init(rank: Int, window: ThreadWindow, config: OptimizerConfig) {
        self.rank = rank
        communicator = ThreadRank(rank: rank, window: window)
        self.config = config
    }

    func run() {
        defer { done.signal() }
        let parameters = ShardedStepTests.parameters(seed: 5)
        guard let shared = SharedGradients(parameters: parameters, communicator: communicator) else { return }
        for (index, (_, parameter)) in parameters.enumerated() {
            for i in 0..<parameter.gradient.count {
                parameter.gradient.data[i] = ShardedWindowTests.gradient(rank: rank, index, i)
            }
        }
        shared.finish()
        gradients = parameters.map { $0.parameter.gradient.array.map(\.bitPattern) }
        let optimizer = ShardedOptimizer(config.makeOptimizer(for: parameters), shared: shared)
        optimizer.step(Compute(threads: 1))
        numbers = [Double(rank) + 1.25, 1, Double(rank + 1) / 1.5]
        shared.publishWeights(summing: &numbers)
        weights = parameters.map { $0.parameter.value.array.map(\.bitPattern) }
        optimizer.gatherState()
        state = optimizer.state.map { $0.tensor.array.map(\.bitPattern) }
    }
}

/// Memory that every thread sees, and a barrier of `ranks` threads.
final class ThreadWindow: SharedWindow, @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let count: Int
    private let ranks: Int
    private let condition = NSCondition()
    private var arrived = 0, generation = 0

    init(capacity: Int, ranks: Int) {
        base = .allocate(capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
        count = capacity
        self.ranks = ranks
    }

    deinit { base.deallocate() }

    func barrier() {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        arrived += 1
        if arrived == ranks {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
    }
}

/// A rank of two threads: only what `SharedGradients` asks of its communicator.
final class ThreadRank: Communicator, @unchecked Sendable {
    let rank: Int
    let size = 2
    private let window: ThreadWindow

    init(rank: Int, window: ThreadWindow) {
        self.rank = rank
        self.window = window
    }

    var sharesOneMachine: Bool { true }
    func sharedWindow(count: Int) -> (any SharedWindow)? {
        precondition(count <= window.count, "a test window of \(window.count) floats, \(count) asked for")
        return window
    }
    func sum(_ values: UnsafeMutablePointer<Double>, count: Int) { preconditionFailure("not a collective of this test") }
    func maximum(_ values: UnsafeMutablePointer<Double>, count: Int) { preconditionFailure("not a collective of this test") }
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) { preconditionFailure("not a collective of this test") }
    func startSum(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingSum {
        preconditionFailure("not a collective of this test")
    }
    func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        preconditionFailure("not a collective of this test")
    }
    func abort(status: Int32) -> Never { preconditionFailure("rank \(rank) aborted with \(status)") }
    func finish() {}
}
