import Foundation
@testable import Store
import Testing

@Suite struct QueryTests {
    @Test func findsAJobByAUniquePrefix() throws {
        let store = try StoreFixture().writer()
        for prefix in ["abcd1111", "abcd2222", "beef"] { try store.insertJob(makeJob(prefix), durable: false) }
        #expect(try store.job(id: "beef")?.id == "beef000000000000")
        #expect(try store.job(id: "ABCD1")?.id == "abcd111100000000")
        #expect(try store.job(id: "abcd2222")?.id == "abcd222200000000")
        #expect(try store.job(id: "abcd222200000000")?.id == "abcd222200000000")
        #expect(throws: StoreError.ambiguousJobID(prefix: "abcd", matches: ["abcd111100000000", "abcd222200000000"])) {
            try store.job(id: "abcd")
        }
        #expect(try store.job(id: "cafe") == nil)
        #expect(try store.job(id: "abc*") == nil)
        #expect(try store.job(id: "beef0000000000000") == nil)
        #expect(throws: StoreError.jobIDTooShort("abc")) { try store.job(id: "abc") }
        #expect(StoreError.ambiguousJobID(prefix: "abcd", matches: ["abcd1", "abcd2"]).description
            == "job id \"abcd\" matches 2 jobs (abcd1, abcd2): give more digits")
    }

    @Test func filtersByStateGlobSinceAndLimit() throws {
        let store = try StoreFixture().writer()
        let jobs = [
            makeJob("a1", name: "sentiment-en", submittedAt: t0),
            makeJob("a2", name: "sentiment-de", submittedAt: t0 + 60),
            makeJob("a3", name: "capitals", submittedAt: t0 + 120),
            makeJob("a4", name: "Sentiment-fr", submittedAt: t0 + 180),
        ]
        for job in jobs { try store.insertJob(job, durable: false) }
        try store.updateState(jobID: jobs[1].id, to: .failed, reason: "bad template", at: t0 + 90, durable: false)

        #expect(try store.jobs().map(\.name) == ["Sentiment-fr", "capitals", "sentiment-de", "sentiment-en"])
        #expect(try store.jobs(state: .failed).map(\.name) == ["sentiment-de"])
        #expect(try store.jobs(nameGlob: "sentiment-*").map(\.name) == ["sentiment-de", "sentiment-en"])
        #expect(try store.jobs(nameGlob: "[sS]entiment-??").map(\.name)
            == ["Sentiment-fr", "sentiment-de", "sentiment-en"])
        #expect(try store.jobs(nameGlob: "x' OR '1'='1").isEmpty)
        #expect(try store.jobs(since: t0 + 60).map(\.name) == ["Sentiment-fr", "capitals", "sentiment-de"])
        #expect(try store.jobs(limit: 2).map(\.name) == ["Sentiment-fr", "capitals"])
        #expect(try store.jobs(state: .queued, nameGlob: "*sentiment*", since: t0, limit: 5).map(\.name)
            == ["sentiment-en"])
    }

    @Test func ordersTheQueueByPriorityThenAgeThenID() throws {
        let store = try StoreFixture().writer()
        let jobs = [
            makeJob("b2", priority: 0, submittedAt: t0),
            makeJob("b1", priority: 5, submittedAt: t0 + 10),
            makeJob("b3", priority: 5, submittedAt: t0 + 5),
            makeJob("b4", priority: 0, submittedAt: t0),
            makeJob("b5", priority: 9, submittedAt: t0 + 20),
        ]
        for job in jobs { try store.insertJob(job, durable: false) }
        try store.updateState(jobID: jobs[4].id, to: .cancelled, reason: nil, at: t0 + 30, durable: false)
        #expect(try store.queuedJobs().map { String($0.id.prefix(2)) } == ["b3", "b1", "b2", "b4"])
    }

    @Test func listsJobsInStatesAndCountsThem() throws {
        let store = try StoreFixture().writer()
        for (index, prefix) in ["c1", "c2", "c3"].enumerated() {
            try store.insertJob(makeJob(prefix, submittedAt: t0 + Double(index)), durable: false)
        }
        _ = try store.startAttempt(jobID: "c100000000000000", pid: 1, at: t0 + 5)
        try store.updateState(jobID: "c200000000000000", to: .interrupted, reason: nil, at: t0 + 5, durable: false)
        try store.insertJob(makeJob("c4", state: .rejected), durable: false)

        #expect(try store.jobs(inStates: [.running, .interrupted]).map(\.id)
            == ["c100000000000000", "c200000000000000"])
        var expected = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        expected[.running] = 1
        expected[.interrupted] = 1
        expected[.queued] = 1
        expected[.rejected] = 1
        #expect(try store.stateCounts() == expected)
    }

    @Test func statesAreStoredAsTheirRawValues() throws {
        #expect(JobState.allCases.filter(\.isTerminal)
            == [.succeeded, .failed, .timedOut, .memoryExceeded, .cancelled, .rejected])
        let store = try StoreFixture().writer()
        try store.insertJob(makeJob("d1"), durable: false)
        try store.updateState(jobID: "d100000000000000", to: .memoryExceeded, reason: nil, at: t0, durable: false)
        let raw = try store.pool.read { db in try String.fetchOne(db, sql: "SELECT state FROM job") }
        #expect(raw == "memory_exceeded")
    }

    @Test func storesDatesAsUTCText() throws {
        let store = try StoreFixture().writer()
        try store.insertJob(makeJob("d1"), durable: false)
        let raw = try store.pool.read { db in try String.fetchOne(db, sql: "SELECT submittedAt FROM job") }
        #expect(raw == "2023-11-14 22:13:20.000")
    }
}
