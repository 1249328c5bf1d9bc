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
    let log: CappedLog
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
    var pendingMetrics: [MetricPoint] = []

    /// The cluster node recorded for this attempt.
    var node: String?

    init(job: JobRecord, attempt: AttemptRecord, worker: WorkerHandle, directory: URL, log: CappedLog) {
        self.job = job
        self.attempt = attempt
        self.worker = worker
        self.directory = directory
        self.log = log
        self.node = attempt.node
    }
}
