@testable import Daemon
import Foundation
import Glibc
import Spool
import Store
import Testing

/// Wall time, memory and cancel requests, enforced by `DaemonCore.tick()` on fake workers and a fake clock.
@Suite struct SchedulerLimitsTests {
    @Test func pastItsWallTimeAWorkerGetsSIGTERMThenSIGKILLAfterTheGrace() throws {
        let f = try SchedulerFixture()
        f.executor.configure = { $0.exitOnTerm = nil }
        try f.submit("slow", wallTime: "1m")
        try f.tick()
        let worker = try f.worker("slow")
        try f.tick(after: 30)
        #expect(worker.signals.isEmpty)
        try f.tick(after: 31)
        #expect(worker.signals == [SIGTERM])
        try f.tick(after: f.config.killGraceSeconds / 2)
        #expect(worker.signals == [SIGTERM])
        try f.tick(after: f.config.killGraceSeconds)
        #expect(worker.signals == [SIGTERM, SIGKILL])
        try f.tick()
        let job = try f.job("slow")
        #expect(job.state == .timedOut)
        #expect(job.reason?.contains("wall time of 60 s") == true)
        #expect(f.entries(f.layout.failed) == [job.id])
        #expect(FileManager.default.fileExists(atPath: f.layout.failed.appendingPathComponent(job.id + "/report.md").path))
    }

    @Test func aWorkerOverItsMemoryLimitIsKilledAtOnce() throws {
        let f = try SchedulerFixture()
        try f.submit("hungry", memoryMB: 512)
        try f.tick()
        let worker = try f.worker("hungry")
        worker.residentMegabytes = 400
        try f.tick()
        #expect(worker.signals.isEmpty)
        worker.residentMegabytes = 700
        try f.tick()
        #expect(worker.signals == [SIGKILL])
        try f.tick()
        let job = try f.job("hungry")
        #expect(job.state == .memoryExceeded)
        #expect(job.reason?.contains("used 700 MB, over its limit of 512 MB") == true)
    }

    @Test func cancellingARunningJobStopsItsWorkerAndEndsItCancelled() throws {
        let f = try SchedulerFixture()
        try f.submit("unwanted")
        try f.tick()
        let worker = try f.worker("unwanted")
        try CancelRequests.request(try f.job("unwanted").id, spool: f.layout.root)
        try f.tick()
        #expect(worker.signals == [SIGTERM])
        try f.tick()
        let job = try f.job("unwanted")
        #expect(job.state == .cancelled)
        #expect(CancelRequests.pending(layout: f.layout).isEmpty)
        #expect(f.entries(f.layout.failed) == [job.id])
    }

    @Test func cancellingAQueuedJobEndsItWithoutAWorker() throws {
        let f = try SchedulerFixture(maxJobs: 1)
        try f.submit("running")
        try f.tick()
        try f.submit("waiting")
        try f.tick()
        #expect(try f.state("waiting") == .queued)
        try CancelRequests.request(try f.job("waiting").id, spool: f.layout.root)
        try f.tick()
        #expect(try f.state("waiting") == .cancelled)
        #expect(f.executor.workers(of: "waiting").isEmpty)
        try f.worker("running").succeed()
        try f.tick()
        #expect(try f.runningNames().isEmpty)
    }
}
