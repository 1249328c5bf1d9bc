import Foundation
import Logging
import Store

/// Workers as child processes of the daemon.
final class LocalExecutor: JobExecutor {
    let name = "local"
    let workersOutliveDaemon = false
    let enforcesLimits = false

    func launch(_ launch: WorkerLaunch) throws -> WorkerHandle {
        try WorkerProcess(executable: launch.executable, arguments: launch.arguments, environment: launch.environment)
    }

    func reattach(_ attempt: AttemptRecord, directory: URL) -> WorkerHandle? { nil }

    func cancelUnrecorded(known: Set<String>) -> [String] { [] }
}

/// `executor = "local"`, the default: workers on this machine within the daemon's budgets (its cores,
/// 80% of its memory, four jobs), each in a memory-capped cgroup where the daemon has one delegated.
public struct LocalExecutorKind: ExecutorKind {
    public let name = "local"
    public let runsLocally = true

    public init() {}

    public func defaultBudgets(cores: Int, memoryMB: Int) -> ExecutorBudgets {
        ExecutorBudgets(cores: cores, memoryMB: memoryMB, maxJobs: 4)
    }

    public func makeExecutor(_ table: ConfigReader?, spool: URL, logger: Logger) throws -> any JobExecutor {
        LocalExecutor()
    }

    public func describeWorker(pid: Int32?, clusterJobID: String?, node: String?, live: Bool) -> String? {
        pid.map { "pid \($0)" }
    }

    public func statusLine(_ status: DaemonStatus) -> String {
        "budgets: \(status.requestedThreads)/\(status.cores) cores, \(status.requestedMemoryMB)/\(status.memoryMB) MB, "
            + "\(status.workers.count)/\(status.maxJobs) jobs"
    }
}
