import Foundation
import Glibc
import Logging
import Store

/// Watches live workers: their output, memory, wall time, cancel requests and the grace between
/// SIGTERM and SIGKILL, and stops a worker with the reason that decides its job's state.
struct Supervisor {
    let context: DaemonContext
    /// True when the executor enforces wall time and memory itself (a cluster does).
    let limitsEnforcedByExecutor: Bool

    var progress: ProgressRecorder { ProgressRecorder(context: context) }

    /// One look at `job`: reads what it wrote, applies the limits and, when `pollCancel`, a cancel request.
    func supervise(_ job: RunningJob, now: Date, pollCancel: Bool) throws {
        progress.collect(job)
        if let rss = job.worker.residentMegabytes {
            job.peakRSSMB = max(job.peakRSSMB, rss)
            // With a cgroup the kernel enforces memory.max; `settleCgroup` reads its verdict.
            if job.cgroup == nil, rss > Double(job.job.memoryMB), job.stopReason == nil || job.stopReason == .timedOut {
                job.stopReason = .memoryExceeded
                job.worker.send(SIGKILL)
                context.logger.warning("job over its memory limit", metadata: ["job": "\(job.job.id)", "rss_mb": "\(Int(rss))"])
            }
        }
        try recordNode(job, at: now)
        if !limitsEnforcedByExecutor, job.stopReason == nil,
           now.timeIntervalSince(job.worker.startedAt) > Double(job.job.wallTimeSeconds) {
            stop(job, reason: .timedOut, now: now)
        }
        if pollCancel, job.stopReason == nil, try CancelRequests.allowedRequest(for: job.job, context: context) {
            try context.store.requestCancel(jobID: job.job.id, at: now)
            stop(job, reason: .cancelled, now: now)
        }
        if let at = job.terminatedAt, now.timeIntervalSince(at) > context.config.killGraceSeconds, job.stopReason != .shutdown {
            job.worker.send(SIGKILL)
        }
    }

    /// Records the cluster node the worker runs on, once the cluster has placed it.
    func recordNode(_ job: RunningJob, at now: Date) throws {
        guard let node = job.worker.node, node != job.node else { return }
        job.node = node
        try context.store.recordNode(attemptID: job.attempt.id, node: node, at: now)
    }

    /// Asks the worker to checkpoint and stop (SIGTERM); `supervise` kills it after the grace.
    func stop(_ job: RunningJob, reason: RunningJob.StopReason, now: Date) {
        job.stopReason = reason
        job.terminatedAt = now
        job.worker.send(SIGTERM)
        context.logger.info("stopping job", metadata: ["job": "\(job.job.id)", "reason": "\(reason)"])
    }

    /// After the worker ended: its cgroup's peak memory and OOM verdict, then the cgroup removed.
    func settleCgroup(_ job: RunningJob) {
        guard let group = job.cgroup else { return }
        job.peakRSSMB = max(job.peakRSSMB, group.peakMB ?? 0)
        if group.oomKilled, job.stopReason == nil || job.stopReason == .timedOut {
            job.stopReason = .memoryExceeded
            context.logger.warning("job over its memory limit (cgroup memory.max)", metadata: ["job": "\(job.job.id)"])
        }
        group.remove()
    }
}
