import Foundation
import Store

/// Everything needed to start the worker of a job's next attempt.
public struct WorkerLaunch {
    public let job: JobRecord
    /// The attempt this worker is (1, 2, ...).
    public let attempt: Int
    /// Where the worker works: active/JOB (the bundle, checkpoints and outputs), or for a search's
    /// trial active/SEARCH/trials/KEY.
    public let directory: URL
    /// The spool's root.
    public let spool: URL
    /// The `ptune` binary and its arguments (`worker --job-dir ...`).
    public var executable: String
    public let arguments: [String]
    /// Variables the worker needs on top of the daemon's environment.
    public let environment: [String: String]
}

/// Where workers run: on this machine (`local`) or on a cluster (`slurm`).
public protocol JobExecutor: AnyObject {
    /// The name used in settings and logs.
    var name: String { get }
    /// True when workers outlive the daemon (a cluster runs them): SIGTERM leaves them running and
    /// the next start re-attaches to them.
    var workersOutliveDaemon: Bool { get }
    /// True when the executor enforces wall time and memory itself.
    var enforcesLimits: Bool { get }
    /// Starts the worker.
    func launch(_ launch: WorkerLaunch) throws -> WorkerHandle
    /// The worker of `attempt`, which the last daemon left running, when it still runs or its end
    /// is still known; nil when it is gone without a trace (the attempt is then requeued).
    func reattach(_ attempt: AttemptRecord, directory: URL) -> WorkerHandle?
    /// Cancels work the executor runs for ptune that no open attempt accounts for (a submission
    /// the daemon died before recording). Returns what it cancelled.
    func cancelUnrecorded(known: Set<String>) -> [String]
    /// The worker as the daemon's log names it ("pid 12").
    func describe(_ worker: WorkerHandle) -> String
}

extension JobExecutor {
    public func describe(_ worker: WorkerHandle) -> String {
        worker.pid.map { "pid \($0)" } ?? "\(name) job \(worker.clusterJobID ?? "?")"
    }
}

/// A worker that could not be started.
public struct WorkerLaunchError: Error, CustomStringConvertible {
    public let message: String
    /// True when the job itself is the problem (it can never start as it is); false when the
    /// executor is (unreachable, busy) and a later try may work.
    public let permanent: Bool
    public var description: String { message }

    public init(message: String, permanent: Bool) {
        self.message = message
        self.permanent = permanent
    }
}
