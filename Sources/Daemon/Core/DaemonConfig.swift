import Foundation
import Glibc

/// The daemon's settings: budgets, places and timings.
public struct DaemonConfig: Sendable, Equatable {
    /// The spool root (tmp/, incoming/, active/, done/, failed/, rejected/).
    public var spool: URL
    /// The SQLite database.
    public var database: String
    /// Where bundles' `model` names are looked up (handed to workers as PTUNE_MODELS).
    public var models: String
    /// Cores the running jobs' `threads` may add up to.
    public var cores: Int
    /// Memory in MB the running jobs' `memory_mb` may add up to.
    public var memoryMB: Int
    /// Jobs running at once, at most.
    public var maxJobs: Int
    /// The `ptune` binary that runs `ptune worker`.
    public var workerExecutable: String
    /// Full rescans of incoming/ at least this often, whatever inotify says.
    public var rescanSeconds: Double = 30
    /// An entry of incoming/ is claimed once nothing in it has changed for this long, so a bundle
    /// copied in place (not renamed in) is not taken half-written.
    public var settleSeconds: Double = 1
    /// How long SIGTERM may take: workers get this long to checkpoint before SIGKILL.
    public var stopTimeoutSeconds: Double = 60
    /// Between SIGTERM and SIGKILL when a job runs out of wall time or is cancelled.
    public var killGraceSeconds: Double = 15
    /// Attempts of a job whose worker crashed before it is failed.
    public var maxAttempts = 3
    /// worker.log is cut at this many bytes (a note says so).
    public var workerLogBytes = 1 << 20
    /// The group that administers the service: its members may cancel any job, and read every
    /// finished job's folder beside its owner. Nil: root and the service user only.
    public var adminGroup: gid_t?
    /// How long finished jobs' folders, rejected bundles and stored artifacts are kept.
    public var retention = RetentionPolicy()
    /// Longest a retention sweep works in one pass, between supervision steps.
    public var retentionSliceSeconds: Double = 0.05
    /// Who is told when jobs end (`[notify]`); nil: nobody.
    public var notify: NotifySettings?
    /// Extra arguments for the worker of each job's first attempt (the fault-injection tests).
    public var firstAttemptArguments: [String] = []

    public init(spool: URL, database: String? = nil, models: String, cores: Int, memoryMB: Int, maxJobs: Int,
                workerExecutable: String) {
        self.spool = spool
        self.database = database ?? spool.appendingPathComponent("ptune.sqlite").path
        self.models = models
        self.cores = cores
        self.memoryMB = memoryMB
        self.maxJobs = maxJobs
        self.workerExecutable = workerExecutable
    }
}
