import Foundation
@testable import Store
import Testing

/// A job's log lines: in order, after a line, the last N, and dropped with the job's artifacts.
struct LogLineTests {
    @Test func linesReadInOrderAfterALineAndAsATail() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        try store.insertJob(makeJob("a1"), durable: false)
        try store.insertJob(makeJob("b1"), durable: false)
        let a = JobRecord.id(bundleSHA256: sha("a1")), b = JobRecord.id(bundleSHA256: sha("b1"))
        try store.appendLogLines((1...5).map { LogLine(jobID: a, attempt: $0 < 4 ? 1 : 2, at: t0, text: "line \($0)") })
        try store.appendLogLines([LogLine(jobID: b, attempt: 1, at: t0, text: "other job")])
        let all = try fixture.reader().logLines(jobID: a)
        #expect(all.map(\.text) == (1...5).map { "line \($0)" })
        #expect(all.map(\.attempt) == [1, 1, 1, 2, 2])
        #expect(try store.logLines(jobID: a, afterID: all[2].id).map(\.text) == ["line 4", "line 5"])
        #expect(try store.logLines(jobID: a, last: 2).map(\.text) == ["line 4", "line 5"])
        #expect(try store.logLines(jobID: a, last: 0).isEmpty)
        #expect(try store.logLines(jobID: a, afterID: all[4].id).isEmpty)
        #expect(try store.logLines(jobID: b).map(\.text) == ["other job"])
    }

    @Test func retentionDropsTheLinesOfEndedJobsWithTheirArtifacts() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        var job = makeJob("c1", state: .failed)
        job.finishedAt = t0
        try store.insertJob(job, durable: false)
        try store.appendLogLines([LogLine(jobID: job.id, attempt: 1, at: t0, text: "failed: out of data")])
        #expect(try store.jobsWithArtifacts(endedBefore: t0.addingTimeInterval(1), limit: 10) == [job.id])
        try store.dropArtifacts(jobIDs: [job.id], why: "older than 1 day", at: t0)
        #expect(try store.logLines(jobID: job.id).isEmpty)
        #expect(try store.jobsWithArtifacts(endedBefore: t0.addingTimeInterval(1), limit: 10).isEmpty)
    }
}
