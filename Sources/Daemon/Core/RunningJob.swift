import Foundation
import Store

/// A job whose worker is alive, and what the daemon has decided about it.
final class RunningJob {
    /// Why the daemon is stopping a worker; decides the job's final state.
    enum StopReason {
        case timedOut, memoryExceeded, cancelled, shutdown

        var state: JobState {
            switch self {
            case .timedOut: .timedOut
            case .memoryExceeded: .memoryExceeded
            case .cancelled: .cancelled
            case .shutdown: .interrupted
            }
        }
    }

    var job: JobRecord
    let attempt: AttemptRecord
    let worker: WorkerHandle
    let directory: URL
    let log: JobLog
    var stopReason: StopReason?
    var terminatedAt: Date?
    var peakRSSMB: Double = 0
    /// The peak resident size, when the daemon could measure it (not for a cluster's workers).
    var measuredPeakMB: Double? { peakRSSMB > 0 ? peakRSSMB : nil }
    /// The worker's memory-capped cgroup, when the daemon has a delegated one.
    var cgroup: JobCgroup?
    /// The worker's last `failed` message, for the failure report.
    var failure: WorkerMessage?
    var lastProgressWrite = Date.distantPast
    /// The last step's training tokens per second, as the worker reported it.
    var tokensPerSecond: Double?
    /// When a message of each throttled kind (steps, checkpoints) last made a line of the job's log.
    var lastLogged: [WorkerMessage.Kind: Date] = [:]
    var pendingMetrics: [MetricPoint] = []

    /// The cluster node recorded for this attempt.
    var node: String?

    init(job: JobRecord, attempt: AttemptRecord, worker: WorkerHandle, directory: URL, log: JobLog) {
        self.job = job
        self.attempt = attempt
        self.worker = worker
        self.directory = directory
        self.log = log
        self.node = attempt.node
    }
}
