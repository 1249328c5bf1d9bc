import Foundation
@testable import Store
import Testing

@Suite struct JobLifecycleTests {
    @Test func insertsAndReadsBackAJob() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        let job = makeJob("abcd1234")
        try store.insertJob(job, durable: true)
        #expect(try store.job(id: job.id) == job)
        #expect(try store.job(bundleSHA256: job.bundleSHA256) == job)
        #expect(try store.job(bundleSHA256: sha("ffff")) == nil)
        #expect(try store.events(jobID: job.id).map(\.message) == ["submitted as sentiment.tar, queued"])
    }

    @Test func refusesASecondDropOfTheSameBundle() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        let job = makeJob("abcd1234")
        try store.insertJob(job, durable: false)
        var again = job
        again.spoolName = "sentiment-copy"
        #expect(throws: StoreError.duplicateBundle(sha256: job.bundleSHA256, existingJobID: job.id,
                                                   existingState: .queued)) {
            try store.insertJob(again, durable: false)
        }
        #expect(try store.jobs().count == 1)
    }

    @Test func aBundleRejectedBeforeAndAcceptedNowTakesTheRejectedRowOver() throws {
        let store = try StoreFixture().writer()
        var rejected = makeJob("abcd1234")
        rejected.state = .rejected
        rejected.reason = "no model \"later\" in the model directory"
        try store.insertJob(rejected, durable: false)
        var again = makeJob("abcd1234")
        again.spoolName = "sentiment-again"
        try store.insertJob(again, durable: true)
        #expect(try store.job(id: again.id) == again)
        #expect(try store.events(jobID: again.id).map(\.message) == [
            "submitted as sentiment.tar, rejected: no model \"later\" in the model directory",
            "submitted as sentiment-again, queued"])
        #expect(throws: StoreError.duplicateBundle(sha256: again.bundleSHA256, existingJobID: again.id,
                                                   existingState: .queued)) {
            try store.insertJob(rejected, durable: false)
        }
    }

    @Test func refusesAnIDThatIsNotTheBundleHashPrefix() throws {
        let store = try StoreFixture().writer()
        var job = makeJob("abcd")
        job.id = "abcd"
        #expect(throws: StoreError.invalidJob(id: "abcd",
                                              detail: "the id must be the first 16 hex digits of bundleSHA256")) {
            try store.insertJob(job, durable: false)
        }
        job.bundleSHA256 = job.bundleSHA256.uppercased()
        job.id = JobRecord.id(bundleSHA256: job.bundleSHA256)
        #expect(throws: StoreError.self) { try store.insertJob(job, durable: false) }
    }

    @Test func walksThroughAttemptsToSuccess() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)

        let first = try store.startAttempt(jobID: job.id, pid: 100, at: t0 + 10)
        #expect(first.number == 1)
        #expect(first.state == .running)
        var stored = try #require(try store.job(id: job.id))
        #expect(stored.state == .running)
        #expect(stored.attempts == 1)
        #expect(stored.startedAt == t0 + 10)

        #expect(throws: StoreError.invalidTransition(jobID: job.id, from: .running, to: .running)) {
            try store.startAttempt(jobID: job.id, pid: 101, at: t0 + 11)
        }

        try store.finishAttempt(id: first.id, state: .interrupted, exitStatus: 143, reason: "daemon stopping",
                                peakRSSMB: 512.5, at: t0 + 20)
        try store.updateState(jobID: job.id, to: .interrupted, reason: "daemon stopping", at: t0 + 20, durable: true)
        #expect(throws: StoreError.attemptAlreadyFinished(id: first.id, state: .interrupted)) {
            try store.finishAttempt(id: first.id, state: .failed, exitStatus: 1, reason: nil, peakRSSMB: nil,
                                    at: t0 + 21)
        }

        let second = try store.startAttempt(jobID: job.id, pid: 200, at: t0 + 30)
        #expect(second.number == 2)
        stored = try #require(try store.job(id: job.id))
        #expect(stored.reason == nil)
        #expect(stored.startedAt == t0 + 10)
        try store.finishAttempt(id: second.id, state: .succeeded, exitStatus: 0, reason: nil, peakRSSMB: 600,
                                at: t0 + 40)
        try store.updateState(jobID: job.id, to: .succeeded, reason: nil, at: t0 + 40, durable: true)

        stored = try #require(try store.job(id: job.id))
        #expect(stored.state == .succeeded)
        #expect(stored.finishedAt == t0 + 40)
        #expect(stored.attempts == 2)
        #expect(try store.attempts(jobID: job.id) == [
            AttemptRecord(id: first.id, jobID: job.id, number: 1, state: .interrupted, pid: 100, startedAt: t0 + 10,
                          finishedAt: t0 + 20, exitStatus: 143, reason: "daemon stopping", peakRSSMB: 512.5),
            AttemptRecord(id: second.id, jobID: job.id, number: 2, state: .succeeded, pid: 200, startedAt: t0 + 30,
                          finishedAt: t0 + 40, exitStatus: 0, reason: nil, peakRSSMB: 600),
        ])
        #expect(try store.events(jobID: job.id).map(\.message) == [
            "submitted as sentiment.tar, queued",
            "queued → running",
            "attempt 1 started (pid 100)",
            "attempt 1 ended interrupted, exit status 143: daemon stopping",
            "running → interrupted: daemon stopping",
            "interrupted → running",
            "attempt 2 started (pid 200)",
            "attempt 2 ended succeeded, exit status 0",
            "running → succeeded",
        ])
    }

    @Test func anAttemptsEndAndItsJobsStateChangeTogetherOrNotAtAll() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)
        let attempt = try store.startAttempt(jobID: job.id, pid: 7, at: t0 + 1)
        try store.finishAttempt(id: attempt.id, state: .succeeded, exitStatus: 0, reason: nil, peakRSSMB: 12,
                                at: t0 + 2, jobState: .succeeded, jobReason: nil, durable: true)
        #expect(try store.job(id: job.id)?.state == .succeeded)
        #expect(try store.attempts(jobID: job.id).map(\.state) == [.succeeded])

        let other = makeJob("beef")
        try store.insertJob(other, durable: false)
        let second = try store.startAttempt(jobID: other.id, pid: 8, at: t0 + 3)
        try store.updateState(jobID: other.id, to: .cancelled, reason: "by hand", at: t0 + 4, durable: false)
        #expect(throws: StoreError.invalidTransition(jobID: other.id, from: .cancelled, to: .failed)) {
            try store.finishAttempt(id: second.id, state: .failed, exitStatus: 1, reason: "x", peakRSSMB: nil,
                                    at: t0 + 5, jobState: .failed, jobReason: "x", durable: true)
        }
        #expect(try store.attempts(jobID: other.id).map(\.finishedAt) == [nil])
    }

    @Test func aSuccessWithWarningsKeepsThemOnTheJobAndAsEvents() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)
        let attempt = try store.startAttempt(jobID: job.id, pid: 7, at: t0 + 1)
        let warnings = ["one_answer: every dev prediction is \"1\"", "not_above_baseline: dev accuracy 0.5000 is not above 0.5000"]
        try store.finishAttempt(id: attempt.id, state: .succeeded, exitStatus: 0, reason: nil, peakRSSMB: 12,
                                at: t0 + 2, jobState: .succeeded, jobReason: nil, warnings: warnings, durable: true)
        let stored = try #require(try store.job(id: job.id))
        #expect(stored.state == .succeeded)
        #expect(stored.warnings == warnings.joined(separator: "\n"))
        let events = try store.events(jobID: job.id).filter { $0.kind == EventRecord.Kind.warning }
        #expect(events.map(\.message) == warnings)

        let sound = makeJob("beef")
        try store.insertJob(sound, durable: false)
        let second = try store.startAttempt(jobID: sound.id, pid: 8, at: t0 + 3)
        try store.finishAttempt(id: second.id, state: .succeeded, exitStatus: 0, reason: nil, peakRSSMB: 12,
                                at: t0 + 4, jobState: .succeeded, jobReason: nil, durable: true)
        #expect(try store.job(id: sound.id)?.warnings == nil)
    }

    @Test func aTerminalStateIsFinal() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)
        try store.updateState(jobID: job.id, to: .cancelled, reason: "cancelled by the user", at: t0 + 1,
                              durable: true)
        #expect(throws: StoreError.invalidTransition(jobID: job.id, from: .cancelled, to: .queued)) {
            try store.updateState(jobID: job.id, to: .queued, reason: nil, at: t0 + 2, durable: false)
        }
        #expect(throws: StoreError.invalidTransition(jobID: job.id, from: .cancelled, to: .running)) {
            try store.startAttempt(jobID: job.id, pid: nil, at: t0 + 2)
        }
        let stored = try #require(try store.job(id: job.id))
        #expect(stored.finishedAt == t0 + 1)
        #expect(stored.reason == "cancelled by the user")
        #expect(StoreError.invalidTransition(jobID: "j", from: .cancelled, to: .queued).description
            == "job j cannot go from cancelled to queued: it already ended")
    }

    @Test func unknownJobsAndAttemptsAreTypedErrors() throws {
        let store = try StoreFixture().writer()
        #expect(throws: StoreError.jobNotFound(id: "0123456789abcdef")) {
            try store.updateState(jobID: "0123456789abcdef", to: .failed, reason: nil, at: t0, durable: false)
        }
        #expect(throws: StoreError.attemptNotFound(id: 7)) {
            try store.finishAttempt(id: 7, state: .failed, exitStatus: nil, reason: nil, peakRSSMB: nil, at: t0)
        }
    }

    @Test func progressKeepsTheLastDevMetricUntilANewOne() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)
        try store.recordProgress(jobID: job.id, step: 10, total: 100, loss: 1.5, devMetric: 0.6)
        try store.recordProgress(jobID: job.id, step: 11, total: 100, loss: 1.4, devMetric: nil)
        var stored = try #require(try store.job(id: job.id))
        #expect(stored.progressStep == 11)
        #expect(stored.progressTotal == 100)
        #expect(stored.lastLoss == 1.4)
        #expect(stored.lastDevMetric == 0.6)
        try store.recordProgress(jobID: job.id, step: 12, total: 100, loss: .nan, devMetric: nil)
        stored = try #require(try store.job(id: job.id))
        #expect(stored.lastLoss == nil)
    }

    @Test func cancelIsRequestedFromAReadOnlyStore() throws {
        let fixture = try StoreFixture()
        let writer = try fixture.writer()
        let job = makeJob("abcd")
        let done = makeJob("beef")
        try writer.insertJob(job, durable: false)
        try writer.insertJob(done, durable: false)
        try writer.updateState(jobID: done.id, to: .succeeded, reason: nil, at: t0, durable: true)

        let reader = try fixture.reader()
        try reader.requestCancel(jobID: job.id, at: t0 + 5)
        try reader.requestCancel(jobID: job.id, at: t0 + 6)
        #expect(try writer.job(id: job.id)?.cancelRequested == true)
        #expect(try writer.events(jobID: job.id).filter { $0.kind == EventRecord.Kind.cancel }.map(\.at) == [t0 + 5])
        #expect(throws: StoreError.invalidTransition(jobID: done.id, from: .succeeded, to: .cancelled)) {
            try reader.requestCancel(jobID: done.id)
        }
        #expect(throws: StoreError.jobNotFound(id: "0000000000000000")) {
            try reader.requestCancel(jobID: "0000000000000000")
        }
    }
}
