import Foundation

/// The processes of one training run and the collective operations between them: what
/// data-parallel training needs of MPI, and nothing when there is one process.
///
/// Every rank calls the same operations in the same order; a rank that skipped one would
/// leave the others waiting, so every collective sits at a point all ranks reach.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0..<size; rank 0 writes the run directory.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Element-wise sum over all ranks, in place.
    func sum(_ values: UnsafeMutablePointer<Double>, count: Int)
    /// Element-wise maximum over all ranks, in place.
    func maximum(_ values: UnsafeMutablePointer<Double>, count: Int)
    /// Whether every rank runs on this machine, where sums are memory copies by the cores.
    var sharesOneMachine: Bool { get }
    /// Element-wise sum of Floats over all ranks, in place, returning when it is complete.
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int)
    /// Starts an element-wise sum of Floats in place; `wait` or `test` it before reading.
    func startSum(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingSum
    /// `count` floats of memory that every rank reads and writes (a collective); nil when
    /// the ranks do not all share this machine or the memory cannot be made.
    func sharedWindow(count: Int) -> (any SharedWindow)?
    /// Rank `root`'s values everywhere.
    func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int)
    /// Ends every rank at once with `status` (MPI_Abort): for a failure that only some ranks meet.
    func abort(status: Int32) -> Never
    /// Leaves MPI cleanly (MPI_Finalize); the last call.
    func finish()
}

/// A sum in flight.
public protocol PendingSum: AnyObject {
    /// Lets the transfer progress; true once it is complete.
    func test() -> Bool
    /// Blocks until it is complete.
    func wait()
}

extension Communicator {
    /// Whether this is the process that writes and reports.
    public var isPrimary: Bool { rank == 0 }

    /// `values` summed over all ranks.
    public func summed(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { sum($0.baseAddress!, count: $0.count) }
        return result
    }

    /// `values` maximised over all ranks.
    public func maximized(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { maximum($0.baseAddress!, count: $0.count) }
        return result
    }

    /// The rows of `range` (a global batch) that this rank takes (`contiguousShare`).
    public func share(of range: Range<Int>) -> Range<Int> {
        contiguousShare(of: range, rank: rank, ranks: size)
    }
}

/// One process: every collective is the identity.
public final class SingleProcess: Communicator, Sendable {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {}
    public func maximum(_ values: UnsafeMutablePointer<Double>, count: Int) {}
    public var sharesOneMachine: Bool { true }
    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {}
    public func startSum(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingSum { CompletedSum() }
    public func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) {}
    public func sharedWindow(count: Int) -> (any SharedWindow)? { nil }
    public func abort(status: Int32) -> Never { exit(status) }
    public func finish() {}

    private final class CompletedSum: PendingSum {
        func test() -> Bool { true }
        func wait() {}
    }
}

/// Rank `rank`'s rows of `range` among `ranks`: a contiguous share, the shares differing by
/// at most one row, the larger ones first. How a batch is dealt, and a `data.shard` file.
public func contiguousShare(of range: Range<Int>, rank: Int, ranks: Int) -> Range<Int> {
    let count = range.count, base = count / ranks, extra = count % ranks
    let start = range.lowerBound + rank * base + Swift.min(rank, extra)
    return start..<(start + base + (rank < extra ? 1 : 0))
}
