import Foundation
@testable import Store
import Testing

/// `JobStore.queueFigures()`: the counts and durations the metrics report, from job rows.
struct QueueFiguresTests {
    @Test func countsByStateAndOwnerAttemptsAndDurationHistograms() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        func insert(_ prefix: String, _ state: JobState, owner: Int?, wait: Double?, run: Double?, attempts: Int) throws {
            var job = makeJob(prefix, state: state)
            job.ownerUID = owner
            job.attempts = attempts
            job.startedAt = wait.map { t0.addingTimeInterval($0) }
            job.finishedAt = run.flatMap { r in wait.map { t0.addingTimeInterval($0 + r) } }
            try store.insertJob(job, durable: false)
        }
        try insert("a1", .queued, owner: 1000, wait: nil, run: nil, attempts: 0)
        try insert("a2", .queued, owner: 1000, wait: nil, run: nil, attempts: 0)
        try insert("a3", .queued, owner: nil, wait: nil, run: nil, attempts: 0)
        try insert("b1", .running, owner: 1001, wait: 3, run: nil, attempts: 1)
        try insert("c1", .succeeded, owner: 1000, wait: 0.5, run: 120, attempts: 1)
        try insert("c2", .failed, owner: 1001, wait: 4000, run: 2, attempts: 3)
        try insert("d1", .rejected, owner: 1001, wait: nil, run: nil, attempts: 0)

        let figures = try store.queueFigures()
        let counts = Dictionary(uniqueKeysWithValues: figures.counts.map { ("\($0.state.rawValue)/\($0.ownerUID.map(String.init) ?? "-")", $0.jobs) })
        #expect(counts == ["queued/1000": 2, "queued/-": 1, "running/1001": 1, "succeeded/1000": 1, "failed/1001": 1,
                           "rejected/1001": 1])
        #expect(figures.attempts == 5)

        // Waits 3, 0.5 and 4000 s; runs 120 and 2 s (the running job has not ended).
        let bounds = JobStore.durationBounds
        func bucket(_ h: QueueFigures.Histogram, _ bound: Double) -> Int { h.cumulative[bounds.firstIndex(of: bound)!] }
        #expect(figures.queueWait.count == 3)
        #expect(abs(figures.queueWait.sum - 4003.5) < 0.01)
        #expect(bucket(figures.queueWait, 1) == 1)
        #expect(bucket(figures.queueWait, 5) == 2)
        #expect(bucket(figures.queueWait, 3600) == 2)
        #expect(bucket(figures.queueWait, 14400) == 3)
        #expect(figures.runTime.count == 2)
        #expect(abs(figures.runTime.sum - 122) < 0.01)
        #expect(bucket(figures.runTime, 1) == 0)
        #expect(bucket(figures.runTime, 5) == 1)
        #expect(bucket(figures.runTime, 60) == 1)
        #expect(bucket(figures.runTime, 300) == 2)
    }

    @Test func anEmptyHistoryGivesZeros() throws {
        let fixture = try StoreFixture()
        let figures = try fixture.writer().queueFigures()
        #expect(figures.counts.isEmpty)
        #expect(figures.attempts == 0)
        #expect(figures.queueWait.count == 0 && figures.queueWait.cumulative.allSatisfy { $0 == 0 })
        #expect(figures.runTime.sum == 0)
    }
}
