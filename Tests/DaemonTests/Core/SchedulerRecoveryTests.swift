import Base
@testable import Daemon
import Foundation
import Glibc
import Store
import Testing

/// Stopping and starting the daemon around running jobs, with a fake executor.
@Suite struct SchedulerRecoveryTests {
    @Test func drainInterruptsRunningJobsAndTheNextStartResumesThem() throws {
        let f = try SchedulerFixture()
        try f.submit("long")
        try f.tick()
        let first = try f.worker("long")
        try f.core.drain(deadline: f.clock.now().addingTimeInterval(60))
        #expect(first.signals == [SIGTERM])
        #expect(try f.state("long") == .interrupted)
        try f.restart()
        #expect(try f.state("long") == .queued)
        try f.tick()
        let second = try f.worker("long")
        #expect(second.launch.attempt == 2)
        try second.succeed()
        try f.tick()
        #expect(try f.state("long") == .succeeded)
    }

    @Test func aJobLeftRunningByADeadDaemonIsRequeuedAndRunsAgain() throws {
        let f = try SchedulerFixture()
        try f.submit("orphaned")
        try f.tick()
        try f.restart()
        let job = try f.job("orphaned")
        let attempts = try f.store.attempts(jobID: job.id)
        #expect(attempts.map(\.state) == [.interrupted])
        #expect(attempts.first?.reason == "the daemon stopped without recording this attempt's end")
        try f.tick()
        #expect(try f.worker("orphaned").launch.attempt == 2)
    }

    @Test func whileStoppingNothingNewIsTakenInOrStarted() throws {
        let f = try SchedulerFixture()
        try f.core.drain(deadline: f.clock.now())
        try f.submit("late")
        try f.tick()
        #expect(f.executor.workers.isEmpty)
        #expect(try f.store.jobs().isEmpty)
        #expect(f.entries(f.layout.incoming) == ["late"])
    }

    @Test func anArchiveLeftHalfRejectedInTmpIsRejectedAgainAtStart() throws {
        let f = try SchedulerFixture()
        let half = f.layout.tmp.appendingPathComponent(".rejecting-abc123")
        try FileManager.default.createDirectory(at: half, withIntermediateDirectories: true)
        try Data("not a tar".utf8).write(to: half.appendingPathComponent("bad.tar"))
        try f.restart()
        #expect(f.entries(f.layout.rejected) == ["bad"])
        #expect(f.entries(f.layout.rejected.appendingPathComponent("bad")) == ["bad.tar", "reason.json", "reason.txt"])
        let reason = try String(contentsOf: f.layout.rejected.appendingPathComponent("bad/reason.txt"), encoding: .utf8)
        #expect(reason.contains("stopped while rejecting"))
        let leftInTmp = try FileSystem.entries(of: f.layout.tmp.path)
        #expect(leftInTmp.isEmpty)
        #expect(try f.store.resultFolders().map(\.folder) == ["rejected/bad"])
    }

    @Test func aBundleLeftInIncomingWhileTheDaemonWasDownIsTakenInAtStart() throws {
        let f = try SchedulerFixture()
        try f.core.drain(deadline: f.clock.now())
        try f.submit("waited")
        try f.restart()
        #expect(try f.state("waited") == .queued)
        try f.tick()
        #expect(try f.state("waited") == .running)
    }
}

/// SIGTERM to the daemon while a job is already being stopped for a reason of its own.
@Suite struct SchedulerDrainTests {
    @Test func aJobCancelledJustBeforeTheDaemonStopsEndsCancelledNotInterrupted() throws {
        let f = try SchedulerFixture()
        f.executor.configure = { $0.exitOnTerm = nil }
        try f.submit("unwanted")
        try f.tick()
        try CancelRequests.request(try f.job("unwanted").id, spool: f.layout.root)
        try f.tick()
        #expect(try f.worker("unwanted").signals == [SIGTERM])
        try f.core.drain(deadline: f.clock.now())
        #expect(try f.state("unwanted") == .cancelled)
        try f.restart()
        try f.tick()
        #expect(f.executor.workers(of: "unwanted").count == 1, "not run again")
    }
}
