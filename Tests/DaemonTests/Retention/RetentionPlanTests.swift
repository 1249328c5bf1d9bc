@testable import Daemon
import Foundation
import Store
import Testing

@Suite struct RetentionPlanTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func folder(_ name: String, daysAgo: Double, bytes: Int64 = 1000) -> ResultFolder {
        ResultFolder(folder: name, jobID: nil, ownerUID: 1000, endedAt: now.addingTimeInterval(-daysAgo * 86_400), bytes: bytes)
    }

    @Test func eachPlaceKeepsItsOwnAge() {
        var policy = RetentionPolicy()
        policy.doneDays = 10
        policy.failedDays = 2
        policy.rejectedDays = nil
        let folders = [folder("done/a", daysAgo: 11), folder("done/b", daysAgo: 9), folder("failed/c", daysAgo: 3),
                       folder("failed/d", daysAgo: 1), folder("rejected/e", daysAgo: 400)]
        let plan = RetentionPlan(folders: folders, policy: policy, now: now)
        #expect(plan.removals.map(\.folder.folder) == ["done/a", "failed/c"])
        #expect(plan.removals.last?.why.contains("retention.failed_days") == true)
        #expect(plan.keptBytes == 3000)
        #expect(plan.freedBytes == 2000)
    }

    @Test func theSizeCapRemovesTheOldestUntilTheRestFits() {
        var policy = RetentionPolicy()
        policy.maxBytes = 2500
        let folders = [folder("done/new", daysAgo: 1), folder("rejected/old", daysAgo: 5), folder("failed/mid", daysAgo: 3),
                       folder("done/newest", daysAgo: 0)]
        let plan = RetentionPlan(folders: folders, policy: policy, now: now)
        #expect(plan.removals.map(\.folder.folder) == ["rejected/old", "failed/mid"])
        #expect(plan.removals.allSatisfy { $0.why.contains("retention.max_gb") })
        #expect(plan.keptBytes == 2000)
    }

    /// One user filling the spool loses their own oldest folders before anyone else's.
    @Test func theCapTakesFromTheUserWhoHoldsTheMostFirst() {
        var policy = RetentionPolicy()
        policy.maxBytes = 5000
        func owned(_ name: String, _ owner: Int, daysAgo: Double, bytes: Int64) -> ResultFolder {
            ResultFolder(folder: name, jobID: nil, ownerUID: owner, endedAt: now.addingTimeInterval(-daysAgo * 86_400), bytes: bytes)
        }
        let folders = [owned("done/alice-old", 1, daysAgo: 9, bytes: 1000), owned("done/bob-old", 2, daysAgo: 8, bytes: 1000),
                       owned("rejected/huge", 2, daysAgo: 0, bytes: 4000), owned("done/alice-new", 1, daysAgo: 1, bytes: 1000)]
        let plan = RetentionPlan(folders: folders, policy: policy, now: now)
        #expect(plan.removals.map(\.folder.folder) == ["done/bob-old", "rejected/huge"])
        #expect(plan.keptBytes == 2000)
    }

    @Test func agesComeFirstThenTheCapCountsOnlyWhatIsLeft() {
        var policy = RetentionPolicy()
        policy.rejectedDays = 2
        policy.maxBytes = 1500
        let folders = [folder("rejected/a", daysAgo: 3, bytes: 5000), folder("done/b", daysAgo: 2.5), folder("done/c", daysAgo: 1)]
        let plan = RetentionPlan(folders: folders, policy: policy, now: now)
        #expect(plan.removals.map(\.folder.folder) == ["rejected/a", "done/b"])
        #expect(plan.keptBytes == 1000)
    }

    @Test func theDefaultPolicyKeepsResultsAndDropsMonthOldRejections() {
        let folders = [folder("done/a", daysAgo: 3000), folder("failed/b", daysAgo: 3000), folder("rejected/c", daysAgo: 31),
                       folder("rejected/d", daysAgo: 29)]
        let plan = RetentionPlan(folders: folders, policy: RetentionPolicy(), now: now)
        #expect(plan.removals.map(\.folder.folder) == ["rejected/c"])
        #expect(plan.removals.first?.why == "ended more than 30 days ago (retention.rejected_days)")
    }
}
