@testable import Daemon
import Foundation
import Store
import Testing

struct AdmissionTests {
    let config = DaemonConfig(spool: URL(fileURLWithPath: "/tmp/s"), models: "/tmp/m", cores: 4, memoryMB: 8000,
                              maxJobs: 3, workerExecutable: "/bin/true")

    func job(_ id: String, threads: Int, memory: Int = 1000) -> JobRecord {
        JobRecord(id: id, bundleSHA256: id + String(repeating: "0", count: 64 - id.count), name: id, spoolName: id,
                  state: .queued, priority: 0, threads: threads, memoryMB: memory, wallTimeSeconds: 60, model: nil,
                  kind: nil, submittedAt: Date())
    }

    @Test func startsJobsInQueueOrderWhileTheyFitTheBudgets() {
        let queued = [job("aaaa", threads: 2), job("bbbb", threads: 1), job("cccc", threads: 2), job("dddd", threads: 1)]
        #expect(Admission.select(queued: queued, running: .init(), config: config).map(\.id) == ["aaaa", "bbbb"])
    }

    @Test func aJobThatDoesNotFitHoldsBackTheOnesBehindIt() {
        let running = Admission.Usage(jobs: 1, threads: 3, memoryMB: 1000)
        let queued = [job("aaaa", threads: 2), job("bbbb", threads: 1)]
        #expect(Admission.select(queued: queued, running: running, config: config).isEmpty)
    }

    @Test func memoryAndJobCountAreBudgetsToo() {
        #expect(Admission.select(queued: [job("aaaa", threads: 1, memory: 9000)], running: .init(), config: config).isEmpty)
        let full = Admission.Usage(jobs: 3, threads: 0, memoryMB: 0)
        #expect(Admission.select(queued: [job("aaaa", threads: 1)], running: full, config: config).isEmpty)
    }

    @Test func jobsThatCanNeverRunAreNamed() {
        #expect(Admission.impossible(threads: 8, memoryMB: 10, config: config)?.contains("8 threads") == true)
        #expect(Admission.impossible(threads: 1, memoryMB: 9000, config: config)?.contains("9000 MB") == true)
        #expect(Admission.impossible(threads: 4, memoryMB: 8000, config: config) == nil)
    }
}
