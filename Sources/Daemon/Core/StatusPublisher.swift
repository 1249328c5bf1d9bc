import Foundation
import Glibc
import Logging
import Store

/// What the daemon tells the outside: `control/status.json` for `ptune status`, and the one-line
/// summary for sd_notify STATUS and the log.
struct StatusPublisher {
    let context: DaemonContext
    let executor: JobExecutor
    let running: RunningJobs
    let intake: IntakeScanner
    let published: PublishedStatus
    /// Where the metrics endpoint listens, when it does.
    let metricsAddress: String?

    /// Publishes budgets, live workers and untaken entries for `ptune status`.
    func write(stopping: Bool) {
        let config = context.config
        let workers = running.all.map { r in
            DaemonStatus.Worker(jobID: r.job.id, name: r.job.name, pid: r.worker.pid, attempt: r.attempt.number,
                                startedAt: r.worker.startedAt, threads: r.job.threads, memoryMB: r.job.memoryMB,
                                residentMB: r.peakRSSMB > 0 ? r.worker.residentMegabytes : nil,
                                step: r.job.progressStep, total: r.job.progressTotal, loss: r.job.lastLoss,
                                tokensPerSecond: r.tokensPerSecond,
                                clusterJobID: r.worker.clusterJobID, node: r.worker.node)
        }
        let status = DaemonStatus(pid: getpid(), updatedAt: context.clock.now(), executor: executor.name, cores: config.cores,
                                  memoryMB: config.memoryMB, maxJobs: config.maxJobs, stopping: stopping, workers: workers,
                                  untaken: intake.untaken, metricsAddress: metricsAddress)
        published.publish(status)
        do {
            try status.write(context.layout)
        } catch {
            context.logger.error("cannot write the status file", metadata: ["error": "\(error)"])
        }
    }

    /// "1 running (2/2 cores), 3 queued, 4 succeeded, 0 failed, 1 rejected".
    func line() -> String {
        let counts = (try? context.store.stateCounts()) ?? [:]
        let threads = running.usage.threads
        let load = executor.workersOutliveDaemon ? "in \(executor.name), \(threads) cores requested"
                                                 : "\(threads)/\(context.config.cores) cores"
        return "\(running.count) running (\(load)), \(counts[.queued] ?? 0) queued, "
            + "\(counts[.succeeded] ?? 0) succeeded, \(counts[.failed] ?? 0) failed, \(counts[.rejected] ?? 0) rejected"
    }
}
