@testable import Daemon
import Foundation
import Store
import Testing

/// Retention inside the daemon's passes: every folder it hands over is recorded, and a sweep
/// prunes between supervision steps.
@Suite struct SchedulerRetentionTests {
    @Test func finishedAndRejectedFoldersAreRecordedAndPrunedWhenTheyAgeOut() throws {
        var policy = RetentionPolicy()
        policy.doneDays = 30
        policy.rejectedDays = 7
        policy.sweepSeconds = 60
        let f = try SchedulerFixture(retention: policy)
        try f.submit("kept")
        try f.submit("broken", files: ["task.toml": "name = \"broken\"\n"])
        try f.tick()
        try f.worker("kept").succeed()
        try f.tick()
        let id = try f.job("kept").id
        let recorded = try f.store.resultFolders()
        #expect(Set(recorded.map(\.folder)) == ["done/\(id)", "rejected/broken"])
        #expect(recorded.allSatisfy { $0.bytes > 0 })
        #expect(recorded.first { $0.folder == "done/\(id)" }?.jobID == id)

        f.clock.advance(8 * 86_400)
        // A sweep works in slices of a pass each; a loaded machine may need a few.
        for _ in 0..<50 where !f.entries(f.layout.rejected).isEmpty { try f.tick() }
        #expect(f.entries(f.layout.rejected).isEmpty)
        #expect(f.entries(f.layout.done) == [id])
        f.clock.advance(23 * 86_400)
        for _ in 0..<50 where !f.entries(f.layout.done).isEmpty { try f.tick() }
        #expect(f.entries(f.layout.done).isEmpty)
        #expect(try f.store.job(id: id)?.state == .succeeded)
        #expect(try f.store.events(jobID: id).contains { $0.kind == EventRecord.Kind.retention })
    }
}
