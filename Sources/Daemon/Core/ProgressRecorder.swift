import Foundation
import Logging
import Store

/// Turns a worker's JSON lines into the job's progress and metrics in the store, and its error
/// output (and any line that is not a message) and a progress line per message into the job's log
/// (worker.log and the store's log lines, for `ptune logs`).
struct ProgressRecorder {
    let context: DaemonContext

    /// Reads the worker's stdout messages and stderr into the store and worker.log.
    func collect(_ job: RunningJob) {
        job.log.append(job.worker.readErrorOutput())
        let decoder = JSONDecoder()
        for line in job.worker.readLines() {
            guard let message = try? decoder.decode(WorkerMessage.self, from: line) else {
                job.log.append(line + Data("\n".utf8))
                continue
            }
            handle(message, from: job)
            log(message, of: job)
        }
        flush(job, force: false)
        writeLog(job)
    }

    /// Steps are logged at most once a second (and their first and last), checkpoints at most every
    /// 30 seconds; every other message always.
    private func log(_ message: WorkerMessage, of job: RunningJob) {
        let every: Double? = switch message.kind {
        case .step: (message.step == 1 || (message.step != nil && message.step == message.total)) ? nil : 1
        case .checkpointed: 30
        default: nil
        }
        if let every {
            let now = context.clock.now()
            guard now.timeIntervalSince(job.lastLogged[message.kind] ?? .distantPast) >= every else { return }
            job.lastLogged[message.kind] = now
        }
        job.log.note(message.logLine)
    }

    /// Records the log lines collected since the last call; `ended`: the worker is gone, so an
    /// unfinished last line of its output is recorded too.
    func writeLog(_ job: RunningJob, ended: Bool = false) {
        if ended { job.log.endPartialLine() }
        let lines = job.log.takePending(jobID: job.job.id, attempt: job.attempt.number, at: context.clock.now())
        do {
            try context.store.appendLogLines(lines)
        } catch {
            context.logger.error("cannot record log lines", metadata: ["job": "\(job.job.id)", "error": "\(error)"])
        }
    }

    private func handle(_ message: WorkerMessage, from job: RunningJob) {
        let seed = message.seed ?? 0
        let step = message.step ?? 0
        let point = { (name: String, value: Double) in
            MetricPoint(jobID: job.job.id, attempt: job.attempt.number, seed: seed, step: step, name: name, value: value)
        }
        switch message.kind {
        case .step:
            let seedIndex = message.seedIndex ?? 0
            job.job.progressStep = seedIndex * (message.total ?? 0) + step
            job.job.progressTotal = message.total.map { $0 * max(message.seedCount ?? 1, seedIndex + 1) }
            job.job.lastLoss = message.loss
            job.tokensPerSecond = message.tokensPerSecond ?? job.tokensPerSecond
            if let loss = message.loss { job.pendingMetrics.append(point("loss", loss)) }
            if let rate = message.learningRate { job.pendingMetrics.append(point("lr", rate)) }
        case .evaluated, .seedFinished:
            for (name, value) in message.metrics ?? [:] { job.pendingMetrics.append(point(name, value)) }
            if message.kind == .evaluated {
                job.job.lastDevMetric = message.primary
            }
            flush(job, force: true)
        case .failed:
            job.failure = message
        case .started, .checkpointed, .finished:
            break
        }
    }

    /// Writes progress and metrics at most once a second (and on demand), in one transaction each.
    func flush(_ job: RunningJob, force: Bool) {
        let now = context.clock.now()
        guard force || now.timeIntervalSince(job.lastProgressWrite) >= 1 else { return }
        job.lastProgressWrite = now
        do {
            if let step = job.job.progressStep, let total = job.job.progressTotal {
                try context.store.recordProgress(jobID: job.job.id, step: step, total: total, loss: job.job.lastLoss,
                                                 devMetric: job.job.lastDevMetric)
            }
            if !job.pendingMetrics.isEmpty {
                try context.store.appendMetrics(job.pendingMetrics)
                job.pendingMetrics = []
            }
        } catch {
            context.logger.error("cannot record progress", metadata: ["job": "\(job.job.id)", "error": "\(error)"])
        }
    }
}
