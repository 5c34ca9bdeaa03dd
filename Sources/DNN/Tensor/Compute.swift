
/// How kernels use the machine: a fixed number of threads and scratch memory that
/// lives as long as the trainer, so that no step allocates.
///
/// Work is always split the same way for a given thread count, and every output
/// element is computed by one thread in a fixed order, so results are identical
/// from run to run.
public final class Compute: @unchecked Sendable {
    /// The number of threads kernels split their work over.
    public let threads: Int
    /// The precision of matrix products (`GEMM`); set it to `Precision.effective`, so
    /// `bf16` is only ever asked of a CPU that has the instructions.
    public var productPrecision: Precision = .fp32
    /// The workers besides the calling thread.
    private let pool: ThreadPool
    /// Scratch slots: slot 0 is shared (e.g. a packed GEMM panel), 1...threads belong to one task each.
    private let slots: UnsafeMutablePointer<Slot>

    private struct Slot {
        var pointer: UnsafeMutableRawPointer?
        var bytes: Int
    }

    /// A compute context with `threads` threads (at least 1).
    public init(threads: Int) {
        self.threads = Swift.max(1, threads)
        pool = ThreadPool(workers: self.threads - 1)
        slots = .allocate(capacity: self.threads + 1)
        slots.initialize(repeating: Slot(pointer: nil, bytes: 0), count: self.threads + 1)
    }

    deinit {
        pool.shutdown()
        for slot in 0...threads { slots[slot].pointer?.deallocate() }
        slots.deallocate()
    }

    /// The number of cores of this machine.
    public static var availableCores: Int { System.coreCount }

    /// Runs `body(task)` for `task` in 0..<tasks, on up to `threads` threads at once.
    @inline(__always)
    public func parallel(_ tasks: Int, _ body: (Int) -> Void) {
        pool.run(tasks, body)
    }

    /// Splits 0..<count into `threads` contiguous ranges (fewer when count is small, each
    /// at least `grain` long) and runs `body(range)` on each in parallel.
    @inline(__always)
    public func parallelRanges(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.max(1, Swift.min(threads, count / Swift.max(grain, 1)))
        parallel(chunks) { chunk in
            let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// `parallelRanges` in which each range also gets its own scratch buffer of
    /// `scratchCount` scalars (slot 1 + its task), grown here before the threads start.
    @inline(__always)
    public func parallelRanges<T>(_ count: Int, grain: Int = 1, scratch scratchCount: Int, as type: T.Type,
                                  _ body: (Range<Int>, UnsafeMutablePointer<T>) -> Void) {
        let chunks = Swift.max(1, Swift.min(threads, count / Swift.max(grain, 1)))
        for chunk in 0..<chunks { _ = scratch(1 + chunk, count: scratchCount, as: T.self) }
        parallel(chunks) { chunk in
            let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
            if start < end { body(start..<end, scratch(1 + chunk, count: scratchCount, as: T.self)) }
        }
    }

    /// Scratch memory of at least `bytes` bytes, 64-byte aligned: `slot` 0 is shared by
    /// all tasks, slot `1 + task` belongs to one parallel task. Contents are unspecified.
    /// Grow slots from one thread only (before a parallel region, or in the task that owns it).
    public func scratch<T>(_ slot: Int, count: Int, as type: T.Type) -> UnsafeMutablePointer<T> {
        let bytes = Swift.max(count, 1) * MemoryLayout<T>.stride
        precondition(slot >= 0 && slot <= threads, "scratch slot \(slot) of \(threads + 1)")
        if slots[slot].bytes < bytes {
            slots[slot].pointer?.deallocate()
            slots[slot].pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            slots[slot].bytes = bytes
        }
        return slots[slot].pointer!.bindMemory(to: T.self, capacity: count)
    }
}
