import Foundation
@testable import Store
import Testing

@Suite struct MetricsAndEventsTests {
    @Test func metricsRoundTripInOrder() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)
        let points = [
            MetricPoint(jobID: job.id, attempt: 2, seed: 7, step: 1, name: "loss", value: 0.9),
            MetricPoint(jobID: job.id, attempt: 1, seed: 7, step: 2, name: "loss", value: 1.1),
            MetricPoint(jobID: job.id, attempt: 1, seed: 7, step: 1, name: "lr", value: 1e-3),
            MetricPoint(jobID: job.id, attempt: 1, seed: 7, step: 1, name: "loss", value: 1.2),
            MetricPoint(jobID: job.id, attempt: 1, seed: 42, step: 1, name: "dev_accuracy", value: 0.75),
        ]
        try store.appendMetrics(points)
        try store.appendMetrics([])
        #expect(try store.metrics(jobID: job.id) == [points[3], points[2], points[1], points[4], points[0]])
    }

    @Test func aRepeatedPointReplacesTheValueAndNaNSurvives() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)
        try store.appendMetrics([MetricPoint(jobID: job.id, attempt: 1, seed: 1, step: 1, name: "loss", value: 2)])
        try store.appendMetrics([
            MetricPoint(jobID: job.id, attempt: 1, seed: 1, step: 1, name: "loss", value: 1.5),
            MetricPoint(jobID: job.id, attempt: 1, seed: 1, step: 2, name: "loss", value: .nan),
        ])
        let stored = try store.metrics(jobID: job.id)
        #expect(stored.map(\.value).first == 1.5)
        #expect(stored.count == 2)
        #expect(stored.last?.value.isNaN == true)
    }

    @Test func metricsOfAnUnknownJobAreRefused() throws {
        let store = try StoreFixture().writer()
        #expect(throws: StoreError.self) {
            try store.appendMetrics([MetricPoint(jobID: "nope", attempt: 1, seed: 1, step: 1, name: "loss", value: 1)])
        }
    }

    @Test func eventsRoundTrip() throws {
        let store = try StoreFixture().writer()
        let job = makeJob("abcd")
        try store.insertJob(job, durable: false)
        try store.appendEvent(jobID: job.id, attempt: 1, kind: "checkpoint", message: "step 100 saved", at: t0 + 1)
        try store.appendEvent(jobID: nil, attempt: nil, kind: "daemon", message: "ready", at: t0 + 2)
        let events = try store.events(jobID: job.id)
        #expect(events.map(\.kind) == [EventRecord.Kind.state, "checkpoint"])
        let last = try #require(events.last)
        #expect(last == EventRecord(id: last.id, jobID: job.id, attempt: 1, at: t0 + 1, kind: "checkpoint",
                                    message: "step 100 saved"))
    }
}
