import Foundation

/// One block of memory that every rank of a job on one machine reads and writes directly
/// (`MPI_Win_allocate_shared`): ranks that share a machine exchange gradients and weights
/// through it with plain loads and stores, where an `MPI_Allreduce` would copy them
/// through Open MPI's buffers (`SharedGradients`).
public protocol SharedWindow: AnyObject {
    /// [count] Float, zero when made; the same memory on every rank.
    var base: UnsafeMutablePointer<Float> { get }
    /// The number of floats.
    var count: Int { get }
    /// Returns once every rank has called it; what any rank wrote before it, every rank
    /// sees after it.
    func barrier()
}

/// Open MPI's shared window over `MPI_COMM_WORLD`: rank 0 allocates all of it, every rank
/// maps it (`MPI_Win_shared_query`). One passive-target epoch (`MPI_Win_lock_all`) stays
/// open for the whole run, and each barrier is wrapped in `MPI_Win_sync`, MPI's memory
/// model for loads and stores to a shared window ordered by a barrier (MPI 4.0, 12.7).
final class MPISharedWindow: SharedWindow {
    private let mpi: MPILibrary
    private let window: UnsafeMutableRawPointer?
    let base: UnsafeMutablePointer<Float>
    let count: Int

    /// Makes the window, a collective; nil on every rank when it fails on any (the
    /// launcher placed ranks on several machines, no shared-memory component). Errors are
    /// returned, not fatal, while it is made, so that the caller can fall back.
    static func make(_ mpi: MPILibrary, rank: Int, count: Int, agree: (Bool) -> Bool) -> MPISharedWindow? {
        _ = mpi.commSetErrhandler(mpi.commWorld, mpi.errorsReturn)
        defer { _ = mpi.commSetErrhandler(mpi.commWorld, mpi.errorsAreFatal) }
        var window: UnsafeMutableRawPointer?
        var mine: UnsafeMutableRawPointer?
        let bytes = rank == 0 ? count * MemoryLayout<Float>.stride : 0
        var made = mpi.winAllocateShared(bytes, Int32(MemoryLayout<Float>.stride), mpi.infoNull, mpi.commWorld,
                                         &mine, &window) == 0
        var base: UnsafeMutableRawPointer?
        if made {
            var size = 0, unit: Int32 = 0
            made = mpi.winSharedQuery(window, 0, &size, &unit, &base) == 0 && size >= count * MemoryLayout<Float>.stride
                && base != nil
        }
        guard agree(made), let base else { return nil }
        let shared = MPISharedWindow(mpi, window: window, base: base.bindMemory(to: Float.self, capacity: count),
                                     count: count)
        // MPI does not promise zeroed memory: rank 0 clears it, and the barrier shows the zeros to all.
        if rank == 0 { UnsafeMutableRawPointer(shared.base).initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        shared.barrier()
        return shared
    }

    private init(_ mpi: MPILibrary, window: UnsafeMutableRawPointer?, base: UnsafeMutablePointer<Float>, count: Int) {
        self.mpi = mpi
        self.window = window
        self.base = base
        self.count = count
        _ = mpi.winLockAll(mpi.modeNoCheck, window)
    }

    func barrier() {
        _ = mpi.winSync(window)
        _ = mpi.barrier(mpi.commWorld)
        _ = mpi.winSync(window)
    }
}
