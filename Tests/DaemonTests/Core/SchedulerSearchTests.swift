@testable import Daemon
import Foundation
import Spool
import Store
import TestSupport
import Testing

/// A search's job through `DaemonCore.tick()` with a fake executor: a worker that asks for trials,
/// trials as queued child jobs, and cancellation in the middle of it.
@Suite struct SchedulerSearchTests {
    static let search = "\n[search]\n[search.space]\nseeds = [1, 2]\n"

    /// Has the live worker of the search `name` ask for the trials `keys`, as `ptune worker` does.
    static func ask(_ f: SchedulerFixture, _ name: String, for keys: [String]) throws {
        let worker = try f.worker(name)
        let folder = SearchFolder(root: worker.launch.directory)
        for key in keys { try FileManager.default.createDirectory(at: folder.trial(key), withIntermediateDirectories: true) }
        try JSONEncoder().encode(keys.map { TrialRequest(key: $0, settings: "seed") }).write(to: folder.request)
        worker.exit(WorkerExit.trialsRequested)
    }

    static let keys = ["trial-1-aaaaaaaaaaaa", "trial-2-bbbbbbbbbbbb"]

    func submitted(_ f: SchedulerFixture) throws -> JobRecord {
        try f.submit("s", files: TestBundles.valid(name: "s").merging(
            ["task.toml": TestBundles.manifest(name: "s", limits: "memory_mb = 512") + Self.search]) { $1 })
        try f.tick()
        return try f.job("s")
    }

    @Test func askedTrialsRunAsJobsAndTheSearchRunsAgainWhenTheyHaveEnded() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        let search = try submitted(f)
        try Self.ask(f, "s", for: Self.keys)
        try f.tick()
        let trials = try f.store.children(of: search.id)
        #expect(trials.map(\.trialKey) == Self.keys && trials.allSatisfy { $0.state == .running })
        #expect(try f.job("s").state == .queued && f.job("s").reason == "waiting for its trials: 0 of 2 ended")
        let trialWorker = try #require(f.executor.workers.first { $0.launch.job.id == trials[0].id })
        #expect(trialWorker.launch.directory == SearchFolder(root: f.layout.active.appendingPathComponent(search.id)).trial(Self.keys[0]))
        #expect(trialWorker.launch.arguments.contains("--trial"))
        for trial in trials { try #require(f.executor.workers.first { $0.launch.job.id == trial.id }).succeed() }
        try f.tick()
        try f.tick()
        #expect(try f.runningNames() == ["s"], "the search plans again once its trials have ended")
        try f.worker("s").succeed()
        try f.tick()
        #expect(try f.state("s") == .succeeded && f.entries(f.layout.done) == [search.id])
        #expect(f.entries(f.layout.done.appendingPathComponent("\(search.id)/trials")) == Self.keys)
    }

    @Test func aCancelFiledWhileTheSearchPlansCancelsItsTrialsAndThenIt() throws {
        let f = try SchedulerFixture(maxJobs: 1)
        let search = try submitted(f)
        try CancelRequests.request(search.id, spool: f.layout.root)
        try Self.ask(f, "s", for: Self.keys)
        try f.tick()
        try f.tick()
        #expect(try f.state("s") == .cancelled, "the request stands past the planning attempt's end")
        #expect(try f.store.children(of: search.id).allSatisfy { $0.state == .cancelled })
        #expect(f.executor.workers.count == 1, "no trial was started")
        #expect(f.entries(f.layout.failed) == [search.id] && CancelRequests.pending(layout: f.layout).isEmpty)
    }

    @Test func aSearchCancelledWhileATrialRunsWaitsForItThenEnds() throws {
        let f = try SchedulerFixture(maxJobs: 1)
        let search = try submitted(f)
        try Self.ask(f, "s", for: Self.keys)
        try f.tick()
        let running = try #require(f.store.children(of: search.id).first { $0.state == .running })
        try CancelRequests.request(search.id, spool: f.layout.root)
        try f.tick()
        #expect(try f.state("s") == .queued && f.store.job(id: running.id)?.cancelRequested == true)
        #expect(try f.store.children(of: search.id).filter { $0.state == .cancelled }.count == 1, "the queued trial at once")
        // The running trial's worker stops at a checkpoint on SIGTERM.
        for _ in 0..<4 { try f.tick() }
        #expect(try f.store.job(id: running.id)?.state == .cancelled)
        #expect(try f.state("s") == .cancelled && f.entries(f.layout.failed) == [search.id])
    }
}
