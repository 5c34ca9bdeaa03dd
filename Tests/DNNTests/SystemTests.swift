import Foundation
import Testing
@testable import DNN

/// The default thread count follows the cores this process may use.
@Suite struct SystemTests {
    @Test func aCgroupQuotaRoundsUpToWholeCores() {
        #if os(Linux)
        #expect(System.quotaCores(200_000, 100_000) == 2)
        #expect(System.quotaCores(150_000, 100_000) == 2)
        #expect(System.quotaCores(50_000, 100_000) == 1)
        #expect(System.quotaCores(-1, 100_000) == nil)
        #endif
    }

    #if os(Linux)
    @Test func theAffinityMaskIsWhatNprocCounts() throws {
        // `nproc` counts the affinity mask (not the cgroup quota), as `affinityCores` does.
        let counted = try CLI.run(["nproc"], executable: "/usr/bin/env")
        #expect(System.affinityCores() == Int(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(System.coreCount <= System.affinityCores() ?? 1)
    }
    #endif
}
