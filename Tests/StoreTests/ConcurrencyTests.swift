import Foundation
@testable import Store
import Testing

@Suite struct ConcurrencyTests {
    @Test func aReaderNeverErrorsWhileTheWriterWrites() async throws {
        let fixture = try StoreFixture()
        let writer = try fixture.writer()
        let first = makeJob("0000")
        try writer.insertJob(first, durable: false)
        let reader = try fixture.reader()
        let deadline = Date() + 1

        // Each side runs at least 50 rounds and on until the deadline, however late a busy machine
        // starts the tasks.
        let writes = Task { () throws -> Int in
            var count = 0
            while count < 50 || Date() < deadline {
                count += 1
                let job = makeJob(String(format: "%08x", count), submittedAt: t0 + Double(count))
                try writer.insertJob(job, durable: count % 10 == 0)
                try writer.recordProgress(jobID: first.id, step: count, total: 1_000_000, loss: 1, devMetric: nil)
                try writer.appendMetrics((0..<20).map {
                    MetricPoint(jobID: first.id, attempt: 1, seed: Int64($0), step: count, name: "loss", value: 1)
                })
            }
            return count
        }
        let reads = Task { () throws -> Int in
            var count = 0
            while count < 50 || Date() < deadline {
                count += 1
                let jobs = try reader.jobs(limit: 10)
                #expect(!jobs.isEmpty)
                #expect(try reader.stateCounts()[.queued] ?? 0 >= jobs.count)
                #expect(try reader.metrics(jobID: first.id).count % 20 == 0)
                #expect(try reader.job(id: first.id) != nil)
            }
            return count
        }
        let written = try await writes.value
        _ = try await reads.value
        #expect(try reader.jobs().count == written + 1)
        #expect(try reader.job(id: first.id)?.progressStep == written)
    }
}
