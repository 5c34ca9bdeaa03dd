import Foundation

/// What a launcher (`mpirun`, a PMI launcher) and the user tell a process through
/// environment variables, read in this one place: the job's size, how many of its ranks
/// share this machine, and the user's choices of MPI library, of overlapping sums and of
/// shared memory.
public struct LaunchEnvironment: Sendable {
    /// The environment variables by which launchers tell a process the job's size: Open
    /// MPI's mpirun, PMIx, and MPICH/Slurm's PMI.
    static let sizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"]

    /// The job size a launcher announced; nil when no launcher started us.
    public var size: Int?
    /// The ranks on this machine (`OMPI_COMM_WORLD_LOCAL_SIZE`); nil when the launcher
    /// does not say (only Open MPI does).
    public var localSize: Int?
    /// `DNN_MPI_LIBRARY`: the one MPI library to load.
    public var mpiLibrary: String?
    /// `DNN_MPI_OVERLAP`: `1` or `0` forces gradient sums during or after backward; nil
    /// (unset or anything else) lets the machine layout decide.
    public var overlapsSums: Bool?
    /// `DNN_MPI_SHARED`: `0` sums with `MPI_Allreduce` even when all ranks share this
    /// machine; nil (unset or anything else) sums through shared memory there.
    public var sharedMemory: Bool?

    public init(_ environment: [String: String]) {
        size = Self.sizeVariables.lazy.compactMap { environment[$0].flatMap { Int($0) } }.first
        localSize = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) }
        mpiLibrary = environment["DNN_MPI_LIBRARY"]
        switch environment["DNN_MPI_OVERLAP"] {
        case "1": overlapsSums = true
        case "0": overlapsSums = false
        default: overlapsSums = nil
        }
        switch environment["DNN_MPI_SHARED"] {
        case "1": sharedMemory = true
        case "0": sharedMemory = false
        default: sharedMemory = nil
        }
    }

    /// This process's environment.
    public static var current: LaunchEnvironment { LaunchEnvironment(ProcessInfo.processInfo.environment) }

    /// How many ranks share this machine's cores: the launcher's count, else (a launcher
    /// that does not say) every rank of a job of `ranks`.
    public func ranksOnThisMachine(ranks: Int) -> Int {
        Swift.max(localSize ?? ranks, 1)
    }
}
