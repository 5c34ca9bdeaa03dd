import Foundation

/// The processes of an `mpirun` (or any launcher that sets up MPI), over Open MPI's
/// `MPI_COMM_WORLD`.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    private let mpi: MPILibrary
    public let rank: Int
    public let size: Int
    /// The ranks on this machine, as the launcher said (`LaunchEnvironment.localSize`).
    private let localSize: Int?

    /// The communicator of this process: `SingleProcess` without a launcher or with one
    /// process; otherwise Open MPI, initialised here.
    /// - Throws: `DNNError(.usage)` when a launcher started us but no usable MPI is found.
    public static func current(_ environment: LaunchEnvironment = .current) throws -> any Communicator {
        guard let size = environment.size, size > 1 else { return SingleProcess() }
        return try MPICommunicator(library: try MPILibrary.load(environment), environment: environment)
    }

    init(library: MPILibrary, environment: LaunchEnvironment) throws {
        mpi = library
        localSize = environment.localSize
        guard mpi.initialize(nil, nil) == 0 else {
            throw DNNError(.usage, at: "mpirun", "MPI_Init failed")
        }
        var value: Int32 = 0
        _ = mpi.commRank(mpi.commWorld, &value)
        rank = Int(value)
        _ = mpi.commSize(mpi.commWorld, &value)
        size = Int(value)
    }

    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        check(mpi.allreduce(mpi.inPlace, values, Int32(count), mpi.double, mpi.sum, mpi.commWorld), "MPI_Allreduce")
    }

    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        check(mpi.allreduce(mpi.inPlace, values, Int32(count), mpi.float, mpi.sum, mpi.commWorld), "MPI_Allreduce")
    }

    /// Open MPI says how many ranks share this node; other launchers count as several machines.
    public var sharesOneMachine: Bool { localSize == size }

    public func maximum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        check(mpi.allreduce(mpi.inPlace, values, Int32(count), mpi.double, mpi.max, mpi.commWorld), "MPI_Allreduce")
    }

    public func startSum(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingSum {
        let request = Request(mpi)
        check(mpi.iallreduce(mpi.inPlace, values, Int32(count), mpi.float, mpi.sum, mpi.commWorld, &request.handle),
              "MPI_Iallreduce")
        return request
    }

    public func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        check(mpi.bcast(values, Int32(count), mpi.float, Int32(root), mpi.commWorld), "MPI_Bcast")
    }

    /// Rank 0's note when the window cannot be made: the run goes on with `MPI_Allreduce`.
    public func sharedWindow(count: Int) -> (any SharedWindow)? {
        guard sharesOneMachine else { return nil }
        let window = MPISharedWindow.make(mpi, rank: rank, count: count) { made in
            maximized([made ? 0 : 1])[0] == 0
        }
        if window == nil && isPrimary {
            FileHandle.standardError.write(Data("dnn: note: no shared memory between the ranks; gradients are summed with MPI_Allreduce\n".utf8))
        }
        return window
    }

    public func abort(status: Int32) -> Never {
        _ = mpi.abort(mpi.commWorld, status)
        exit(status)
    }

    public func finish() {
        _ = mpi.finalize()
    }

    /// Open MPI's default error handler aborts the job on an error; a non-zero code here
    /// means another handler was set, and the run cannot go on consistently.
    private func check(_ code: Int32, _ call: String) {
        guard code == 0 else {
            FileHandle.standardError.write(Data("dnn: error: rank \(rank): \(call) failed with code \(code)\n".utf8))
            abort(status: 2)
        }
    }

    /// An `MPI_Request` and its completion.
    private final class Request: PendingSum {
        let mpi: MPILibrary
        var handle: UnsafeMutableRawPointer?
        private var done = false
        init(_ mpi: MPILibrary) { self.mpi = mpi }

        func test() -> Bool {
            guard !done else { return true }
            var flag: Int32 = 0
            _ = mpi.test(&handle, &flag, nil)
            done = flag != 0
            return done
        }

        func wait() {
            guard !done else { return }
            _ = mpi.wait(&handle, nil)
            done = true
        }
    }
}
