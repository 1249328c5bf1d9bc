import Foundation
import TestSupport
import Testing

/// The crash points of `CrashPointTests` over a search's life: the daemon is killed (SIGKILL) just
/// before each selected durable step of a search of two trials (its planning, the trials' jobs, the
/// export), started again, and the search must still end with every trial run exactly once.
@Suite(.serialized)
struct SearchCrashPointTests {
    static let bundle = SearchJobTests.bundle("quest", search: "[search]\n[search.space]\nseeds = [13, 21]\n")

    @Test func aCrashAtAnyDurableStepOfASearchRunsEveryTrialOnce() throws {
        let steps = try CrashPointTests.countSteps(name: "quest", files: Self.bundle)
        // A search has about three times the steps of one job: every eighth keeps `make test` short.
        let selected = CrashPointTests.selected(steps.count, every: 8)
        print("search crash: \(steps.count) durable steps, crashes before \(selected.count) of them")
        #expect(steps.count > 30, "only \(steps.count) steps counted")
        for n in selected {
            let h = try ServiceHarness()
            try h.makeSpool()
            try h.submit("quest", files: Self.bundle)
            let crashed = try h.crashAndRecover(at: n, waitingFor: "quest")
            let context = "crash before step \(n) of \(steps.count) (\(steps[n - 1])); crashed: \(crashed)"
            let id = try SpoolInvariants.checkSucceeded(h, name: "quest", context: context)
            let trials = try SpoolInvariants.checkTrials(h, search: id, context: context)
            #expect(trials.count == 2 && trials.allSatisfy { $0["state"] as? String == "succeeded" }, "\(context)")
            #expect(try h.stop() == 0, "\(context)")
        }
    }
}
