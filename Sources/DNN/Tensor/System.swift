#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Facts about the machine.
enum System {
    /// The cores this process may use, what the default thread count follows: the online
    /// cores, narrowed on Linux by the affinity mask (`taskset`, Slurm, `docker --cpuset-cpus`)
    /// and the cgroup CPU quota (`docker --cpus`, Kubernetes limits), and on Apple silicon
    /// the performance cores (efficiency cores would hold every step back to their pace).
    static let coreCount: Int = {
        var cores = Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #if os(Linux)
        if let allowed = affinityCores() { cores = Swift.min(cores, allowed) }
        if let quota = cgroupQuotaCores() { cores = Swift.min(cores, quota) }
        #elseif canImport(Darwin)
        if let performance = sysctlInteger("hw.perflevel0.physicalcpu") { cores = Swift.min(cores, performance) }
        #endif
        return Swift.max(1, cores)
    }()

    #if os(Linux)
    /// The CPUs in this process's affinity mask (`Cpus_allowed` of /proc/self/status, a
    /// hexadecimal mask in comma-separated words: Glibc's `sched_getaffinity` needs
    /// `_GNU_SOURCE`, which Swift's Glibc module does not define), or nil when unreadable.
    static func affinityCores() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        let mask = line.dropFirst("Cpus_allowed:".count).trimmingCharacters(in: .whitespaces)
        var count = 0
        for character in mask where character != "," {
            guard let nibble = character.hexDigitValue else { return nil }
            count += nibble.nonzeroBitCount
        }
        return count > 0 ? count : nil
    }

    /// The cgroup's CPU quota in whole cores (rounded up), or nil without a quota:
    /// cgroup v2's `cpu.max` ("max 100000" or "200000 100000"), else v1's cfs files.
    static func cgroupQuotaCores() -> Int? {
        if let line = try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8) {
            let parts = line.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]) else { return nil }
            return quotaCores(quota, period)
        }
        func number(_ file: String) -> Double? {
            (try? String(contentsOfFile: "/sys/fs/cgroup/cpu/\(file)", encoding: .utf8))
                .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let quota = number("cpu.cfs_quota_us"), let period = number("cpu.cfs_period_us") else { return nil }
        return quotaCores(quota, period)
    }

    /// `quota / period` cores rounded up; nil for no quota (negative or zero values).
    static func quotaCores(_ quota: Double, _ period: Double) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return Swift.max(1, Int((quota / period).rounded(.up)))
    }
    #elseif canImport(Darwin)
    /// An integer `sysctl` value by name, or nil when this machine has none (Intel Macs
    /// have no `hw.perflevel0`).
    static func sysctlInteger(_ name: String) -> Int? {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard sysctlbyname(name, &value, &size, nil, 0) == 0, value > 0 else { return nil }
        return Int(value)
    }
    #endif
}
