import Foundation
import Synchronization

/// Persistent worker threads for the kernels' parallel loops.
///
/// A training step runs dozens of short parallel regions (a GEMM, a batchnorm pass, an
/// optimizer update). Waking sleeping threads through the OS for each costs tens of
/// microseconds; here workers spin for a short while after a region ends, so the next
/// region starts within a microsecond, and only then sleep on a condition variable.
/// The caller runs tasks too. Which thread runs which task never matters: each task
/// writes its own part of the output.
///
/// Opening and closing a region takes no lock: one atomic word holds the region's
/// generation, its task count and its next unclaimed task, and a thread claims a task by
/// compare-and-swap on that word, so a worker that arrives after the region closed (or
/// after the next one opened) fails its claim and never touches a body that is gone. A
/// claimed task keeps its region open (the caller waits for every task to finish), so
/// the body a worker reads after its claim is that region's. The lock is taken only to
/// sleep and to wake sleepers.
final class ThreadPool: @unchecked Sendable {
    /// Worker threads besides the caller.
    let workers: Int
    /// How long an idle worker polls before it sleeps: roughly 300 µs of polling, longer
    /// than the serial stretches of a training step (a dropout mask, the loss), so that
    /// workers do not fall asleep mid-step and join the next region late. (At 50 µs,
    /// MLP training ran about 6% slower.)
    private static let spinLimit = 400_000
    /// The claim word: generation in the high 24 bits, the region's task count in the
    /// next 20, the next unclaimed task in the low 20.
    private static let taskBits = 20
    private static let taskMask = (1 << taskBits) - 1
    /// The most tasks one region may have (larger counts run serially: none does).
    static let maximumTasks = taskMask

    private let claim = Atomic<Int>(0)
    /// Tasks of the open region that have finished: the caller closes it at its task count.
    private let finishedTasks = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// Whether a region is running: a parallel call from inside a task runs serially.
    private let busy = Atomic<Bool>(false)
    /// The sleepers' condition (and its lock).
    private let condition = NSCondition()
    /// The open region's body: written before its claim word is published, read only by
    /// a thread holding one of its tasks.
    private var body: ((Int) -> Void)?

    init(workers: Int) {
        self.workers = workers
        for index in 0..<workers {
            // Workers hold the pool strongly: it lives until the last one has seen `stopping`.
            let thread = Thread { [self] in self.workerLoop() }
            thread.name = "dnn-worker-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops the workers; they exit after their current poll.
    func shutdown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body(task)` for every task in 0..<tasks on the caller and the workers, and
    /// returns when all have finished.
    func run(_ tasks: Int, _ body: (Int) -> Void) {
        guard workers > 0, tasks > 1, tasks <= Self.maximumTasks,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for task in 0..<tasks { body(task) }
            return
        }
        withoutActuallyEscaping(body) { body in
            self.body = body
            finishedTasks.store(0, ordering: .relaxed)
            let generation = (Self.generation(of: claim.load(ordering: .relaxed)) &+ 1) & 0xFF_FFFF
            // Publishes the body and the reset count; sequentially consistent against the
            // sleepers' count, so a worker either sees this region or is woken for it.
            claim.store(generation << (2 * Self.taskBits) | tasks << Self.taskBits, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            while let task = claimTask(generation: generation) {
                body(task)
                finishedTasks.add(1, ordering: .releasing)
            }
            while finishedTasks.load(ordering: .acquiring) < tasks {}
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
    }

    @inline(__always)
    private static func generation(of word: Int) -> Int { word >> (2 * taskBits) }

    /// The next task of region `generation`, claimed, or nil when that region has none
    /// left (or is no longer the open one).
    @inline(__always)
    private func claimTask(generation: Int) -> Int? {
        var word = claim.load(ordering: .acquiring)
        while Self.generation(of: word) == generation {
            let next = word & Self.taskMask, tasks = (word >> Self.taskBits) & Self.taskMask
            if next >= tasks { return nil }
            let (exchanged, current) = claim.compareExchange(expected: word, desired: word + 1, ordering: .acquiring)
            if exchanged { return next }
            word = current
        }
        return nil
    }

    private func workerLoop() {
        var seen = 0
        while !stopping.load(ordering: .relaxed) {
            var spins = 0
            var word = claim.load(ordering: .relaxed)
            while Self.generation(of: word) == seen && spins < Self.spinLimit {
                spins += 1
                word = claim.load(ordering: .relaxed)
            }
            if Self.generation(of: word) == seen {
                sleep(whileGeneration: seen)
                continue
            }
            seen = Self.generation(of: word)
            while let task = claimTask(generation: seen) {
                runTask(task)
                finishedTasks.add(1, ordering: .releasing)
            }
        }
    }

    /// Waits on the condition until a region after `generation` opens or the pool stops.
    private func sleep(whileGeneration generation: Int) {
        condition.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while Self.generation(of: claim.load(ordering: .sequentiallyConsistent)) == generation
            && !stopping.load(ordering: .sequentiallyConsistent) {
            condition.wait()
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        condition.unlock()
    }

    /// One claimed task of the open region. The worker's copy of `body` is released when
    /// this returns, before the task counts as finished: the caller's
    /// `withoutActuallyEscaping` checks that no copy outlives the call.
    @inline(never)
    private func runTask(_ task: Int) {
        guard let body else { return }
        body(task)
    }
}
