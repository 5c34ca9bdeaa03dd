import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT (Ctrl-C) and SIGTERM (`kill`, Slurm at its time limit, `mpirun`) as a request
/// to stop training after the current step, with its state saved, as Caffe's solver
/// snapshots on SIGINT.
///
/// The handler only stores the signal number; the training loop reads it between steps.
/// A second SIGINT ends the process at once (exit 130), for a user who will not wait.
public enum Interruption {
    /// The first signal received, 0 for none.
    private static let received = Atomic<Int32>(0)

    /// Installs the handlers for SIGINT and SIGTERM (once per process), and unblocks
    /// both in the calling thread: a launcher may start us with them blocked (a child
    /// inherits its parent thread's mask), and a blocked signal would never arrive.
    public static func install() {
        signal(SIGINT, interruptionHandler)
        signal(SIGTERM, interruptionHandler)
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// The signal that asked to stop, if any.
    public static var requested: Int32? {
        let signal = received.load(ordering: .relaxed)
        return signal == 0 ? nil : signal
    }

    /// Marks `signal` as received: what the handler does, and what tests call.
    public static func request(_ signal: Int32) {
        received.store(signal, ordering: .relaxed)
    }

    /// The exit status of a process stopped by `signal`: 130 for SIGINT, 143 for SIGTERM.
    public static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }

    /// The handler: async-signal-safe calls only (an atomic store, `write`, `_exit`).
    fileprivate static func handle(_ signal: Int32) {
        if signal == SIGINT && received.load(ordering: .relaxed) == SIGINT {
            _exit(exitStatus(for: SIGINT))
        }
        let message: StaticString = signal == SIGINT
            ? "\ndnn: interrupted; finishing this step and saving (Ctrl-C again to quit at once)\n"
            : "\ndnn: terminated; finishing this step and saving\n"
        _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
        received.store(signal, ordering: .relaxed)
    }
}

private func interruptionHandler(_ signal: Int32) {
    Interruption.handle(signal)
}
