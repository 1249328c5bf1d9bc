@testable import Daemon
import Foundation
import Glibc
import Store
import Testing

/// How a worker's end, its messages and failed launches become job states, through `DaemonCore.tick()`.
@Suite struct SchedulerOutcomeTests {
    @Test func aCrashedWorkerIsRetriedUntilMaxAttemptsThenTheJobFails() throws {
        let f = try SchedulerFixture(maxAttempts: 3)
        try f.submit("flaky")
        try f.tick()
        for attempt in 1...3 {
            let worker = try f.worker("flaky")
            #expect(worker.launch.attempt == attempt)
            worker.exit(1)
            try f.tick()
        }
        let job = try f.job("flaky")
        #expect(job.state == .failed)
        #expect(job.reason?.contains("the worker failed 3 times") == true)
        #expect(try f.store.attempts(jobID: job.id).map(\.state) == [.failed, .failed, .failed])
        #expect(f.executor.workers.count == 3)
    }

    @Test func badInputFailsTheJobAtOnceWithTheWorkersProblems() throws {
        let f = try SchedulerFixture()
        try f.submit("unusable")
        try f.tick()
        let worker = try f.worker("unusable")
        worker.say(WorkerMessage(kind: .failed, message: "no record fits the model's context",
                                 problems: ["train.jsonl:3: text: 9000 tokens"]))
        worker.exit(WorkerExit.badInput)
        try f.tick()
        let job = try f.job("unusable")
        #expect(job.state == .failed)
        #expect(job.reason == "no record fits the model's context")
        #expect(f.executor.workers.count == 1)
        let report = try String(contentsOf: f.layout.failed.appendingPathComponent(job.id + "/report.md"), encoding: .utf8)
        #expect(report.contains("train.jsonl:3: text: 9000 tokens"))
    }

    @Test func aJobTheExecutorCanNeverStartFailsWithTheReason() throws {
        let f = try SchedulerFixture()
        f.executor.launchErrors = [WorkerLaunchError(message: "the partition has no node with 4096 MB", permanent: true)]
        try f.submit("misfit")
        try f.tick()
        let job = try f.job("misfit")
        #expect(job.state == .failed)
        #expect(job.reason == "the job cannot be started: the partition has no node with 4096 MB")
        #expect(f.entries(f.layout.failed) == [job.id])
    }

    @Test func anUnreachableExecutorPausesStartsForThirtySeconds() throws {
        let f = try SchedulerFixture()
        f.executor.launchErrors = [WorkerLaunchError(message: "sbatch: cannot reach the controller", permanent: false)]
        try f.submit("patient")
        try f.tick()
        #expect(try f.state("patient") == .queued)
        try f.tick(after: 20)
        #expect(f.executor.workers.isEmpty)
        try f.tick(after: 11)
        #expect(try f.state("patient") == .running)
        #expect(try f.worker("patient").launch.attempt == 1)
    }

    @Test func stepAndEvaluationMessagesBecomeProgressAndMetrics() throws {
        let f = try SchedulerFixture()
        try f.submit("chatty")
        try f.tick()
        let worker = try f.worker("chatty")
        worker.say(WorkerMessage(kind: .step, seed: 21, step: 40, total: 200, seedIndex: 1, seedCount: 3, loss: 0.5,
                                 learningRate: 0.003))
        worker.say(WorkerMessage(kind: .evaluated, seed: 21, step: 40, metrics: ["dev_accuracy": 0.75], primary: 0.75))
        worker.say(WorkerMessage(kind: .step, seed: 21, step: 41, total: 200, seedIndex: 1, seedCount: 3, loss: 0.25))
        try f.tick()
        var job = try f.job("chatty")
        #expect(job.progressStep == 240)
        #expect(job.progressTotal == 600)
        #expect(job.lastDevMetric == 0.75)
        try f.tick(after: 2)
        job = try f.job("chatty")
        #expect(job.progressStep == 241)
        #expect(job.lastLoss == 0.25)
        let metrics = try f.store.metrics(jobID: job.id).map { "\($0.name)@\($0.step)=\($0.value)" }.sorted()
        #expect(metrics == ["dev_accuracy@40=0.75", "loss@40=0.5", "loss@41=0.25", "lr@40=0.003"])
    }
}
