@testable import Daemon
import Foundation
import Store
import TestSupport
import Testing

/// Which queued jobs start and when, through `DaemonCore.tick()` with a fake executor.
@Suite struct SchedulerAdmissionTests {
    @Test func aSubmittedBundleIsQueuedStartedAndRecordedWhenItsWorkerSucceeds() throws {
        let f = try SchedulerFixture()
        try f.submit("first")
        try f.tick()
        #expect(try f.state("first") == .running)
        let worker = try f.worker("first")
        #expect(worker.launch.arguments.starts(with: ["worker", "--job-dir"]))
        #expect(worker.launch.attempt == 1)
        try worker.succeed()
        try f.tick()
        let job = try f.job("first")
        #expect(job.state == .succeeded)
        #expect(try f.store.attempts(jobID: job.id).map(\.state) == [.succeeded])
        #expect(try f.store.artifact(jobID: job.id, name: "prompt.safetensors") == Data("prompt bytes".utf8))
        #expect(f.entries(f.layout.done) == [job.id])
        #expect(f.entries(f.layout.active).filter { $0 != "claims" }.isEmpty)
    }

    @Test func higherPriorityStartsFirstThenArrivalOrder() throws {
        let f = try SchedulerFixture(maxJobs: 1)
        try f.submit("blocker")
        try f.tick()
        for (name, priority) in [("low", 0), ("high-1", 5), ("high-2", 5)] {
            try f.submit(name, priority: priority)
            try f.tick()
        }
        #expect(try f.runningNames() == ["blocker"])
        var order: [String] = []
        for name in ["blocker", "high-1", "high-2"] {
            try f.worker(name).succeed()
            try f.tick()
            order += try f.runningNames()
        }
        #expect(order == ["high-1", "high-2", "low"])
    }

    @Test func aJobThatDoesNotFitHoldsBackTheSmallerOnesBehindIt() throws {
        let f = try SchedulerFixture(cores: 2, maxJobs: 4)
        try f.submit("small-running", threads: 1)
        try f.tick()
        try f.submit("big", threads: 2)
        try f.tick()
        try f.submit("small-behind", threads: 1)
        try f.tick()
        #expect(try f.runningNames() == ["small-running"])
        try f.worker("small-running").succeed()
        try f.tick()
        #expect(try f.runningNames() == ["big"])
    }

    @Test func runningJobsStayWithinTheMemoryBudget() throws {
        let f = try SchedulerFixture(cores: 4, memoryMB: 1000, maxJobs: 4)
        try f.submit("a", memoryMB: 600)
        try f.submit("b", memoryMB: 600)
        try f.tick()
        try f.tick()
        #expect(try f.runningNames().count == 1)
        let first = try f.runningNames()[0]
        try f.worker(first).succeed()
        try f.tick()
        #expect(try f.runningNames() == [first == "a" ? "b" : "a"])
    }

    @Test func noMoreThanMaxJobsRunAtOnce() throws {
        let f = try SchedulerFixture(cores: 8, maxJobs: 2)
        for name in ["a", "b", "c"] { try f.submit(name) }
        try f.tick()
        try f.tick()
        #expect(try f.runningNames().count == 2)
        #expect(try f.store.queuedJobs().count == 1)
    }

    @Test func aJobAskingMoreThanTheBudgetsIsRejectedAtIntake() throws {
        let f = try SchedulerFixture(cores: 2)
        try f.submit("greedy", threads: 4)
        try f.tick()
        #expect(try f.state("greedy") == .rejected)
        #expect(f.executor.workers.isEmpty)
        let rejected = f.entries(f.layout.rejected)
        #expect(rejected == ["greedy"])
        let reason = try String(contentsOf: f.layout.rejected.appendingPathComponent("greedy/reason.txt"), encoding: .utf8)
        #expect(reason.contains("4 threads") && reason.contains("2 cores"))
    }

    @Test func anInvalidBundleIsRejectedWithTheFileItNames() throws {
        let f = try SchedulerFixture()
        var files = TestBundles.valid(name: "broken")
        files["train.jsonl"] = "{\"text\": \"no label\"}\nnot json\n"
        try f.submit("broken", files: files)
        try f.tick()
        #expect(try f.state("broken") == .rejected)
        #expect(f.executor.workers.isEmpty)
        let reason = try String(contentsOf: f.layout.rejected.appendingPathComponent("broken/reason.txt"), encoding: .utf8)
        #expect(reason.contains("train.jsonl:2"))
    }

    @Test func theSameBundleDroppedTwiceIsRejectedAsADuplicate() throws {
        let f = try SchedulerFixture()
        try f.submit("twice")
        try f.tick()
        try f.worker("twice").succeed()
        try f.tick()
        try FileManager.default.moveItem(at: f.layout.done.appendingPathComponent(try f.job("twice").id + "/bundle"),
                                         to: f.layout.incoming.appendingPathComponent("again"))
        try f.tick()
        #expect(f.entries(f.layout.rejected) == ["again"])
        #expect(f.entries(f.layout.rejected.appendingPathComponent("again")) == ["reason.json", "reason.txt"],
                "a duplicate keeps only its reason: the bundle is the earlier job's")
        #expect(try f.store.events(jobID: f.job("twice").id).contains { $0.kind == "duplicate" })
        #expect(f.executor.workers.count == 1)
    }
}

/// A bundle rejected for a reason since put right, dropped again unchanged.
@Suite struct SchedulerResubmissionTests {
    @Test func aBundleRejectedForAMissingModelRunsWhenDroppedAgainOnceTheModelIsThere() throws {
        let f = try SchedulerFixture()
        var files = TestBundles.valid(name: "early")
        files["task.toml"] = files["task.toml"]?.replacingOccurrences(of: "model = \"tiny\"", with: "model = \"later\"")
        try f.submit("early", files: files)
        try f.tick()
        #expect(try f.state("early") == .rejected)
        try Data().write(to: URL(fileURLWithPath: f.config.models + "/later"))
        try f.submit("early-again", files: files)
        try f.tick()
        #expect(try f.state("early") == .running)
        #expect(try f.job("early").spoolName == "early-again")
        try f.worker("early").succeed()
        try f.tick()
        #expect(try f.state("early") == .succeeded)
    }
}
