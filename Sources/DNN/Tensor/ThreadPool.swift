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
final class ThreadPool: @unchecked Sendable {
    /// Worker threads besides the caller.
    let workers: Int
    /// How long an idle worker polls before it sleeps: roughly 300 µs of polling, longer
    /// than the serial stretches of a training step (a dropout mask, the loss), so that
    /// workers do not fall asleep mid-step and join the next region late. (At 50 µs,
    /// MLP training ran about 6% slower.)
    private static let spinLimit = 400_000

    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let finishedTasks = Atomic<Int>(0)
    /// Workers inside the current region: the caller closes a region only when none is.
    private let activeWorkers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// Whether a region is running: a parallel call from inside a task runs serially.
    private let busy = Atomic<Bool>(false)
    /// Guards `body` and `taskCount`, and is the sleepers' condition.
    private let condition = NSCondition()
    private var taskCount = 0
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
        guard workers > 0, tasks > 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for task in 0..<tasks { body(task) }
            return
        }
        withoutActuallyEscaping(body) { body in
            condition.lock()
            self.body = body
            taskCount = tasks
            nextTask.store(0, ordering: .relaxed)
            finishedTasks.store(0, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            condition.unlock()
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            work(body, tasks: tasks)
            while finishedTasks.load(ordering: .acquiring) < tasks {}
            condition.lock()
            while activeWorkers.load(ordering: .acquiring) > 0 {}
            self.body = nil
            condition.unlock()
        }
        busy.store(false, ordering: .releasing)
    }

    /// Takes tasks until none are left.
    @inline(__always)
    private func work(_ body: (Int) -> Void, tasks: Int) {
        while true {
            let task = nextTask.add(1, ordering: .relaxed).oldValue
            if task >= tasks { return }
            body(task)
            finishedTasks.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen = 0
        while !stopping.load(ordering: .relaxed) {
            var spins = 0
            while generation.load(ordering: .relaxed) == seen && spins < Self.spinLimit { spins += 1 }
            condition.lock()
            if generation.load(ordering: .sequentiallyConsistent) == seen {
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen
                    && !stopping.load(ordering: .sequentiallyConsistent) {
                    condition.wait()
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
            }
            seen = generation.load(ordering: .acquiring)
            // Join the region only while it is open; the caller closes it under this lock.
            let joined = body != nil
            if joined { activeWorkers.add(1, ordering: .acquiring) }
            condition.unlock()
            if joined {
                workJoinedRegion()
                activeWorkers.subtract(1, ordering: .releasing)
            }
        }
    }

    /// The tasks of the region this worker joined. Its copy of `body` is released when
    /// this returns, before the worker leaves the region: the caller's
    /// `withoutActuallyEscaping` checks that no copy outlives the call.
    @inline(never)
    private func workJoinedRegion() {
        guard let body else { return }
        work(body, tasks: taskCount)
    }
}
