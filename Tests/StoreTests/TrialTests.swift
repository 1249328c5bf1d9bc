import Foundation
@testable import Store
import Testing

/// A search's trials as child jobs (`JobStore.spawnTrials`).
@Suite struct TrialTests {
    @Test func askedTrialsBecomeQueuedChildrenTheSearchWaitsFor() throws {
        let store = try StoreFixture().writer()
        var search = makeJob("5ea4c400", name: "capitals")
        search.ownerUID = 1234
        try store.insertJob(search, durable: false)
        let attempt = try store.startAttempt(jobID: search.id, pid: 7, at: t0)
        let asked = [TrialRequest(key: "trial-1-aaaaaaaaaaaa", settings: "seed 1"),
                     TrialRequest(key: "trial-2-bbbbbbbbbbbb", settings: "seed 2")]
        let trials = try store.spawnTrials(parentID: search.id, requests: asked, attemptID: attempt.id, at: t0)
        #expect(trials.map(\.trialKey) == asked.map(\.key) && trials.allSatisfy { $0.parentID == search.id && $0.state == .queued })
        #expect(trials.allSatisfy { $0.ownerUID == 1234 && $0.threads == search.threads && $0.model == search.model })
        #expect(try store.children(of: search.id) == trials)
        #expect(Set(trials.map(\.id)).count == 2)
        #expect(try store.job(id: search.id)?.state == .queued)
        #expect(try store.attempts(jobID: search.id).map(\.state) == [.succeeded])
        let waits = try store.dependencies(of: search.id)
        #expect(waits.map(\.dependsOn) == trials.map(\.id) && waits.allSatisfy { $0.kind == .any })

        let again = try store.startAttempt(jobID: search.id, pid: 8, at: t0)
        let repeated = try store.spawnTrials(parentID: search.id, requests: asked, attemptID: again.id, at: t0)
        #expect(try repeated == trials && store.children(of: search.id).count == 2, "a trial asked for twice is one job")
    }

    @Test func aSearchsProgressSumsItsTrials() throws {
        let store = try StoreFixture().writer()
        let search = makeJob("5ea4c401", name: "capitals")
        let alone = makeJob("5ea4c402", name: "plain")
        try store.insertJob(search, durable: false)
        try store.insertJob(alone, durable: false)
        let attempt = try store.startAttempt(jobID: search.id, pid: 7, at: t0)
        let trials = try store.spawnTrials(parentID: search.id, requests: (1...3).map {
            TrialRequest(key: "trial-\($0)-aaaaaaaaaaaa", settings: "seed \($0)")
        }, attemptID: attempt.id, at: t0)
        #expect(try store.trialProgress(of: [search.id, alone.id]) == [search.id: TrialProgress(ended: 0, count: 3, steps: 0, totalSteps: 0)])
        try store.recordProgress(jobID: trials[0].id, step: 90, total: 90, loss: 0.3, devMetric: 0.8)
        try store.updateState(jobID: trials[0].id, to: .succeeded, reason: nil, at: t0, durable: false)
        try store.recordProgress(jobID: trials[1].id, step: 30, total: 90, loss: 0.5, devMetric: nil)
        #expect(try store.trialProgress(of: [search.id]) == [search.id: TrialProgress(ended: 1, count: 3, steps: 120, totalSteps: 180)])
        #expect(try store.trialProgress(of: []) == [:])
    }
}
