import Base
import Foundation
import Logging

/// `executor = "slurm"`: workers as Slurm batch jobs. Slurm schedules by its own resources, so the
/// daemon's budgets are unbounded unless set and `max_jobs` (32) caps the jobs it has in Slurm at once.
///
///     [slurm]
///     sbatch_args = ["--partition=cpu"]
///     poll_seconds = 5
///     worker = "/shared/bin/ptune"
///     bin_dir = "/usr/bin"
public struct SlurmExecutorKind: ExecutorKind {
    public let name = "slurm"
    public let settingKeys = ["sbatch_args", "poll_seconds", "worker", "bin_dir"]
    public let runsLocally = false

    public init() {}

    /// A budget the daemon does not enforce (Slurm does).
    static let unbounded = 1 << 40

    public func defaultBudgets(cores: Int, memoryMB: Int) -> ExecutorBudgets {
        ExecutorBudgets(cores: Self.unbounded, memoryMB: Self.unbounded, maxJobs: 32)
    }

    public func checkSettings(_ table: ConfigReader) throws {
        _ = try settings(table)
    }

    /// The `[slurm]` table over the defaults of `SlurmSettings()`.
    func settings(_ table: ConfigReader?) throws -> SlurmSettings {
        var slurm = SlurmSettings()
        guard let table else { return slurm }
        try table.checkKeys(settingKeys)
        slurm.sbatchArguments = try table.strings("sbatch_args", example: "[\"--partition=cpu\"]") ?? slurm.sbatchArguments
        slurm.pollSeconds = try table.double("poll_seconds") ?? slurm.pollSeconds
        slurm.workerExecutable = try table.string("worker")
        slurm.binDirectory = try table.string("bin_dir")
        return slurm
    }

    public func makeExecutor(_ table: ConfigReader?, spool: URL, logger: Logger) throws -> any JobExecutor {
        let settings = try settings(table)
        let missing = settings.missingCommands()
        guard missing.isEmpty else {
            throw ActionableError("executor slurm: \(missing.joined(separator: ", ")) not found"
                                  + (settings.binDirectory.map { " in \($0)" } ?? " in PATH"),
                                  hint: "install Slurm's client commands (Debian: slurm-client) or set [slurm] bin_dir in the config file")
        }
        return SlurmExecutor(settings: settings, spool: spool, logger: logger)
    }

    public func describeWorker(pid: Int32?, clusterJobID: String?, node: String?, live: Bool) -> String? {
        guard pid == nil, let clusterJobID else { return nil }
        return "slurm \(clusterJobID)" + (node.map { "@\($0)" } ?? (live ? " (pending)" : ""))
    }

    public func statusLine(_ status: DaemonStatus) -> String {
        "executor slurm: \(status.workers.count)/\(status.maxJobs) jobs in Slurm, "
            + "\(status.requestedThreads) cores and \(status.requestedMemoryMB) MB requested"
    }
}
