import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Open MPI's C interface, loaded at run time with `dlopen` when an MPI launcher started
/// us: building `dnn` needs no MPI, one binary runs with or without it, and `mpirun -np N
/// dnn train` finds the cluster's own library (`DNN_MPI_LIBRARY` names another file).
///
/// Open MPI's handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`) are the addresses of
/// exported globals (`ompi_mpi_comm_world`, ...), so `dlsym` gives them too. MPICH
/// uses integer handles instead; its library is recognised and refused by name.
final class MPILibrary: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer
    typealias InitFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
    typealias CommIntFunction = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    typealias AllreduceFunction = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer, Int32, Handle, Handle,
                                                  Handle) -> Int32
    typealias IallreduceFunction = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer, Int32, Handle, Handle,
                                                   Handle, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> Int32
    typealias WaitFunction = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutableRawPointer?) -> Int32
    typealias TestFunction = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int32>,
                                             UnsafeMutableRawPointer?) -> Int32
    typealias BcastFunction = @convention(c) (UnsafeMutableRawPointer, Int32, Handle, Int32, Handle) -> Int32
    typealias AbortFunction = @convention(c) (Handle, Int32) -> Int32
    typealias VoidFunction = @convention(c) () -> Int32
    typealias CommFunction = @convention(c) (Handle) -> Int32
    typealias SetErrhandlerFunction = @convention(c) (Handle, Handle) -> Int32
    typealias WinAllocateSharedFunction = @convention(c) (Int, Int32, Handle, Handle, UnsafeMutableRawPointer,
                                                          UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> Int32
    typealias WinSharedQueryFunction = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeMutablePointer<Int>,
                                                       UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer) -> Int32
    typealias WinLockAllFunction = @convention(c) (Int32, UnsafeMutableRawPointer?) -> Int32
    typealias WinFunction = @convention(c) (UnsafeMutableRawPointer?) -> Int32

    let initialize: InitFunction
    let commRank: CommIntFunction
    let commSize: CommIntFunction
    let allreduce: AllreduceFunction
    let iallreduce: IallreduceFunction
    let wait: WaitFunction
    let test: TestFunction
    let bcast: BcastFunction
    let abort: AbortFunction
    let finalize: VoidFunction
    let barrier: CommFunction
    let commSetErrhandler: SetErrhandlerFunction
    let winAllocateShared: WinAllocateSharedFunction
    let winSharedQuery: WinSharedQueryFunction
    let winLockAll: WinLockAllFunction
    let winSync: WinFunction

    let commWorld: Handle
    let float: Handle
    let double: Handle
    let sum: Handle
    let max: Handle
    let infoNull: Handle
    let errorsReturn: Handle
    let errorsAreFatal: Handle
    /// `MPI_MODE_NOCHECK` in Open MPI's `mpi.h`.
    let modeNoCheck: Int32 = 1
    /// `MPI_IN_PLACE` is `(void *) 1` in Open MPI.
    let inPlace = UnsafeRawPointer(bitPattern: 1)

    /// Where the library is looked for, in order: `DNN_MPI_LIBRARY` alone when it is set
    /// (a file the user named is never passed over for another), else the usual names.
    static func candidates(_ environment: LaunchEnvironment) -> [String] {
        if let named = environment.mpiLibrary { return [named] }
        #if canImport(Darwin)
        // Homebrew's Open MPI: /opt/homebrew on Apple silicon, /usr/local on Intel Macs.
        return ["libmpi.40.dylib", "libmpi.dylib", "/opt/homebrew/lib/libmpi.dylib", "/usr/local/lib/libmpi.dylib",
                "/opt/local/lib/openmpi-mp/libmpi.dylib"]
        #else
        return ["libmpi.so.40", "libmpi.so", "/usr/lib/x86_64-linux-gnu/libmpi.so.40",
                "/usr/lib/x86_64-linux-gnu/openmpi/lib/libmpi.so", "/usr/lib/aarch64-linux-gnu/libmpi.so.40",
                "/usr/lib/aarch64-linux-gnu/openmpi/lib/libmpi.so", "/usr/lib64/openmpi/lib/libmpi.so"]
        #endif
    }

    /// Loads Open MPI's library; `RTLD_GLOBAL`, because its plugins resolve symbols of
    /// `libmpi` itself.
    /// - Throws: `DNNError(.usage)` when no library is found or it is not Open MPI's.
    static func load(_ environment: LaunchEnvironment) throws -> MPILibrary {
        var errors: [String] = []
        for path in candidates(environment) {
            guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
                errors.append(String(cString: dlerror()))
                continue
            }
            guard dlsym(handle, "ompi_mpi_comm_world") != nil else {
                let kind = dlsym(handle, "MPI_Init") != nil ? "an MPI library but not Open MPI's" : "not an MPI library"
                throw DNNError(.usage, at: path, "is \(kind); dnn speaks Open MPI's interface",
                               hint: "run dnn with Open MPI's mpirun, or set DNN_MPI_LIBRARY to Open MPI's libmpi.so")
            }
            return try MPILibrary(handle, path: path)
        }
        let named = environment.mpiLibrary != nil
        throw DNNError(.usage, at: named ? "DNN_MPI_LIBRARY" : "mpirun",
                       "an MPI launcher started dnn, but no MPI library could be loaded ("
                       + (errors.first ?? "no candidates") + ")",
                       hint: named ? "set DNN_MPI_LIBRARY to Open MPI's libmpi.so, or unset it"
                           : "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) or set DNN_MPI_LIBRARY")
    }

    private init(_ handle: UnsafeMutableRawPointer, path: String) throws {
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let address = dlsym(handle, name) else {
                throw DNNError(.usage, at: path, "has no symbol \(name); is it Open MPI 4 or later?")
            }
            return address
        }
        initialize = unsafeBitCast(try symbol("MPI_Init"), to: InitFunction.self)
        commRank = unsafeBitCast(try symbol("MPI_Comm_rank"), to: CommIntFunction.self)
        commSize = unsafeBitCast(try symbol("MPI_Comm_size"), to: CommIntFunction.self)
        allreduce = unsafeBitCast(try symbol("MPI_Allreduce"), to: AllreduceFunction.self)
        iallreduce = unsafeBitCast(try symbol("MPI_Iallreduce"), to: IallreduceFunction.self)
        wait = unsafeBitCast(try symbol("MPI_Wait"), to: WaitFunction.self)
        test = unsafeBitCast(try symbol("MPI_Test"), to: TestFunction.self)
        bcast = unsafeBitCast(try symbol("MPI_Bcast"), to: BcastFunction.self)
        abort = unsafeBitCast(try symbol("MPI_Abort"), to: AbortFunction.self)
        finalize = unsafeBitCast(try symbol("MPI_Finalize"), to: VoidFunction.self)
        barrier = unsafeBitCast(try symbol("MPI_Barrier"), to: CommFunction.self)
        commSetErrhandler = unsafeBitCast(try symbol("MPI_Comm_set_errhandler"), to: SetErrhandlerFunction.self)
        winAllocateShared = unsafeBitCast(try symbol("MPI_Win_allocate_shared"), to: WinAllocateSharedFunction.self)
        winSharedQuery = unsafeBitCast(try symbol("MPI_Win_shared_query"), to: WinSharedQueryFunction.self)
        winLockAll = unsafeBitCast(try symbol("MPI_Win_lock_all"), to: WinLockAllFunction.self)
        winSync = unsafeBitCast(try symbol("MPI_Win_sync"), to: WinFunction.self)
        commWorld = try symbol("ompi_mpi_comm_world")
        float = try symbol("ompi_mpi_float")
        double = try symbol("ompi_mpi_double")
        sum = try symbol("ompi_mpi_op_sum")
        max = try symbol("ompi_mpi_op_max")
        infoNull = try symbol("ompi_mpi_info_null")
        errorsReturn = try symbol("ompi_mpi_errors_return")
        errorsAreFatal = try symbol("ompi_mpi_errors_are_fatal")
    }
}
