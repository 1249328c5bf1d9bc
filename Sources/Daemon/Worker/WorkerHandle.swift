import Foundation
import Glibc
import Store

/// A running `ptune worker`, local or on a cluster, as the daemon's loop sees it: polled, never
/// waited on.
public protocol WorkerHandle: AnyObject {
    /// The local process id; nil when a cluster runs the worker.
    var pid: pid_t? { get }
    /// The cluster's id for the worker (a Slurm job id); nil for a local process.
    var clusterJobID: String? { get }
    /// The cluster node it runs on, once the cluster has placed it.
    var node: String? { get }
    /// When the worker was started (submitted, on a cluster).
    var startedAt: Date { get }
    /// Its exit status once it has exited normally.
    var exitStatus: Int32? { get }
    /// The signal that killed it, when one did.
    var terminatingSignal: Int32? { get }
    /// How the cluster ended it when the cluster, not the worker, decided (its time limit, memory,
    /// a cancel from outside ptune, a failed node); nil for a local process.
    var clusterVerdict: ClusterVerdict? { get }
    /// Complete JSON lines the worker wrote since the last call.
    func readLines() -> [Data]
    /// Bytes of its error output since the last call.
    func readErrorOutput() -> Data
    /// True once it has ended (then `exitStatus`, `terminatingSignal` or `clusterVerdict` says how).
    func poll() -> Bool
    /// SIGTERM asks it to checkpoint and stop; SIGKILL stops it at once.
    func send(_ signal: Int32)
    /// Resident size in MB when the daemon can see it (a local process), else nil.
    var residentMegabytes: Double? { get }
    /// What the job's reason adds when the cluster ended the worker over its wall time or memory:
    /// how the cluster counts (" (Slurm: OUT_OF_MEMORY)"), or "".
    func verdictNote(_ verdict: ClusterVerdict, job: JobRecord) -> String
}

extension WorkerHandle {
    public func verdictNote(_ verdict: ClusterVerdict, job: JobRecord) -> String { "" }
}

/// How a cluster ended a worker on its own account.
public enum ClusterVerdict: Equatable, Sendable {
    /// Ran past the wall time given to the cluster.
    case timedOut
    /// Went over the memory given to the cluster.
    case memoryExceeded
    /// Cancelled in the cluster, not through ptune.
    case cancelled(detail: String)
    /// Lost to the cluster (a failed node, preemption, a job the cluster forgot): run it again from
    /// its checkpoint.
    case requeue(detail: String)
}
