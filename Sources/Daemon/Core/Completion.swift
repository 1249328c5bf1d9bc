import Foundation
import Glibc
import Spool
import Store

/// What happens when a worker exits: the attempt and job states, artifacts into the store, the report
/// and the move out of active/. The durable database commit always precedes the move.
struct Completion {
    let context: DaemonContext

    /// A training job's prompt, the artifact a prediction bundle's `job` reference names.
    static let promptArtifact = "prompt.safetensors"

    /// Artifacts kept in the database for `ptune export`.
    static let artifactNames = [promptArtifact, "report.json", "report.md", "loss.svg",
                                "adapter/adapter_config.json", "adapter/adapter_model.safetensors", "predictions.jsonl",
                                "search.json", "search.md", "search.svg"]

    /// Records how the worker ended and moves the job on. Safe to call again after it failed midway:
    /// once the attempt's end is committed, what is left (the move out of active/) is the
    /// reconciliation's to finish.
    func finish(_ running: RunningJob) throws {
        let job = running.job
        if try context.store.attempts(jobID: job.id).first(where: { $0.id == running.attempt.id })?.finishedAt != nil {
            return
        }
        defer { clearCancelRequestIfEnded(running.job) }
        let worker = running.worker
        let now = context.clock.now()
        let exit = worker.exitStatus
        let report = running.directory.appendingPathComponent("report.json")
        if let reason = running.stopReason {
            if reason == .shutdown {
                try context.store.finishAttempt(id: running.attempt.id, state: .interrupted, exitStatus: exit,
                                             reason: "the daemon stopped", peakRSSMB: running.measuredPeakMB, at: now,
                                             jobState: .interrupted,
                                             jobReason: "the daemon stopped; the job resumes from its checkpoint at the next start",
                                             durable: true)
                return
            }
            let why = Self.explain(reason, job: job, peak: running.peakRSSMB)
            try fail(running, state: reason.state, reason: why, problems: nil, exit: exit)
            return
        }
        if let verdict = worker.clusterVerdict {
            try finish(running, by: verdict)
            return
        }
        switch exit {
        case WorkerExit.success? where FileManager.default.fileExists(atPath: report.path):
            try succeed(running)
        case WorkerExit.trialsRequested? where try SearchTrials(context: context).spawn(for: running):
            break
        case WorkerExit.notRun? where job.parentID != nil:
            try fail(running, state: .cancelled, reason: running.failure?.message ?? "the search's budget was spent", problems: nil,
                     exit: exit)
        case WorkerExit.badInput?:
            try fail(running, state: .failed, reason: running.failure?.message ?? "the bundle cannot be run",
                     problems: running.failure?.problems, exit: exit)
        default:
            let how = worker.terminatingSignal.map { "was killed by signal \($0)" } ?? "exited with status \(exit ?? -1)"
            let detail = running.failure?.message.map { ": \($0)" } ?? ""
            let attemptReason = "worker \(how)\(detail)"
            // This attempt and the earlier ones, but for a search's that asked for trials and ended.
            let failures = try context.store.attempts(jobID: job.id).filter { $0.state != .succeeded }.count
            if failures < context.config.maxAttempts {
                try context.store.finishAttempt(id: running.attempt.id, state: .failed, exitStatus: exit,
                                             reason: attemptReason, peakRSSMB: running.measuredPeakMB, at: now,
                                             jobState: .queued,
                                             jobReason: "attempt \(running.attempt.number) failed (worker \(how)); retrying from the last checkpoint",
                                             durable: true)
            } else {
                try fail(running, state: .failed,
                         reason: "the worker failed \(failures) times; the last one \(how)\(detail). See worker.log",
                         problems: nil, exit: exit, attemptReason: attemptReason)
            }
        }
    }

    /// Removes the job's cancel request once it has ended for good: a request stands past an attempt
    /// that left the job queued (a search asking for trials, a job retried), which is then cancelled
    /// before it runs again.
    private func clearCancelRequestIfEnded(_ job: JobRecord) {
        if (try? context.store.job(id: job.id))??.state.isTerminal == true {
            CancelRequests.clear(job.id, layout: context.layout)
        }
    }

    /// Ends a job no worker ran for: its failure report, the state in a durable commit, then the
    /// move to failed/.
    func endUnstarted(_ job: JobRecord, in state: JobState, reason: String) throws {
        let directory = context.directory(of: job)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FailureReport(job: job, state: state, reason: reason, problems: nil).write(into: directory)
        try context.store.updateState(jobID: job.id, to: state, reason: reason, at: context.clock.now(), durable: true)
        try context.finish(job, to: .failed)
    }

    /// The cluster ended the worker on its own account.
    private func finish(_ running: RunningJob, by verdict: ClusterVerdict) throws {
        let job = running.job
        switch verdict {
        case .timedOut:
            try fail(running, state: .timedOut, reason: Self.explain(.timedOut, job: job, peak: 0)
                     + running.worker.verdictNote(verdict, job: job), problems: nil, exit: nil)
        case .memoryExceeded:
            try fail(running, state: .memoryExceeded,
                     reason: "went over its limit of \(job.memoryMB) MB\(running.worker.verdictNote(verdict, job: job)); "
                         + "raise limits.memory_mb or lower the batch size",
                     problems: nil, exit: nil)
        case .cancelled(let detail):
            try fail(running, state: .cancelled, reason: detail, problems: nil, exit: nil)
        case .requeue(let detail):
            try context.store.finishAttempt(id: running.attempt.id, state: .interrupted, exitStatus: nil, reason: detail,
                                         peakRSSMB: nil, at: context.clock.now(), jobState: .queued,
                                         jobReason: "\(detail); requeued, resumes from its checkpoint", durable: true)
            context.logger.notice("job requeued", metadata: ["job": "\(job.id)", "reason": "\(detail)"])
        }
    }

    private func succeed(_ running: RunningJob) throws {
        let now = context.clock.now()
        for name in Self.artifactNames {
            let url = running.directory.appendingPathComponent(name)
            // The size first: a file larger than the database keeps is never read into memory.
            guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else { continue }
            guard size <= JobStore.maxArtifactBytes else {
                try context.store.appendEvent(jobID: running.job.id, attempt: running.attempt.number, kind: "artifact",
                                              message: "\(name) (\(size) bytes) is larger than the database keeps "
                                                  + "(\(JobStore.maxArtifactBytes) bytes); it stays in the job's folder only",
                                              at: now)
                continue
            }
            guard let data = try? Data(contentsOf: url) else { continue }
            try context.store.putArtifact(jobID: running.job.id, name: name, data: data, at: now)
        }
        let warnings = ReportWarnings.read(from: running.directory.appendingPathComponent("report.json"))
        try context.store.finishAttempt(id: running.attempt.id, state: .succeeded, exitStatus: 0, reason: nil,
                                     peakRSSMB: running.measuredPeakMB, at: now, jobState: .succeeded, jobReason: nil,
                                     warnings: warnings, durable: true)
        try? FileManager.default.removeItem(at: running.directory.appendingPathComponent("checkpoints"))
        try context.finish(running.job, to: .done)
        context.logger.info("job succeeded", metadata: ["job": "\(running.job.id)"])
    }

    /// Ends the job in `state`: the failure report first, then the attempt's end and the job's state
    /// in one durable commit (`attemptReason`: the attempt's own reason when it differs), then the move.
    private func fail(_ running: RunningJob, state: JobState, reason: String, problems: [String]?, exit: Int32?,
                      attemptReason: String? = nil) throws {
        let now = context.clock.now()
        var job = running.job
        job.attempts = running.attempt.number
        try FailureReport(job: job, state: state, reason: reason, problems: problems).write(into: running.directory)
        try context.store.finishAttempt(id: running.attempt.id, state: state, exitStatus: exit, reason: attemptReason ?? reason,
                                     peakRSSMB: running.measuredPeakMB, at: now, jobState: state, jobReason: reason,
                                     durable: true)
        try? FileManager.default.removeItem(at: running.directory.appendingPathComponent("checkpoints"))
        try context.finish(job, to: .failed)
        context.logger.notice("job ended", metadata: ["job": "\(job.id)", "state": "\(state.rawValue)", "reason": "\(reason)"])
    }

    static func explain(_ reason: RunningJob.StopReason, job: JobRecord, peak: Double) -> String {
        switch reason {
        case .timedOut:
            "ran past its wall time of \(job.wallTimeSeconds) s; raise limits.wall_time or train fewer steps"
        case .memoryExceeded:
            "used \(Int(peak)) MB, over its limit of \(job.memoryMB) MB; raise limits.memory_mb or lower the batch size"
        case .cancelled:
            "cancelled with `ptune cancel`"
        case .shutdown:
            "the daemon stopped"
        }
    }
}
