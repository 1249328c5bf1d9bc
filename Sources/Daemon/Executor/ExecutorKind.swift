import Foundation
import Logging

/// The daemon's budgets where neither flags nor the config file set them.
public struct ExecutorBudgets: Sendable, Equatable {
    public var cores: Int
    public var memoryMB: Int
    public var maxJobs: Int

    public init(cores: Int, memoryMB: Int, maxJobs: Int) {
        self.cores = cores
        self.memoryMB = memoryMB
        self.maxJobs = maxJobs
    }
}

/// One kind of executor: how `ptune serve` configures it and makes it, and how the command line
/// names its workers. Each kind lives in a folder of its own under `Daemon/Executor/` and is listed
/// once in `ExecutorRegistry.standard`.
public protocol ExecutorKind: Sendable {
    /// `executor = "NAME"` in the config file and `--executor NAME`.
    var name: String { get }
    /// The keys of its table `[NAME]` in the config file; empty when it takes none.
    var settingKeys: [String] { get }
    /// True when its workers are this machine's child processes, each in a memory-capped cgroup of its
    /// own where the daemon has one.
    var runsLocally: Bool { get }
    /// The budgets on a machine with `cores` cores and `memoryMB` MB to spare.
    func defaultBudgets(cores: Int, memoryMB: Int) -> ExecutorBudgets
    /// Checks its table (with the config file's name and the key in every error).
    func checkSettings(_ table: ConfigReader) throws
    /// The executor the daemon runs workers with, from its table (nil: none given); throws, saying
    /// what to do, when something it needs is missing.
    func makeExecutor(_ table: ConfigReader?, spool: URL, logger: Logger) throws -> any JobExecutor
    /// A worker of this kind as `ptune status` (`live`) and `ptune show` print it, or nil when the
    /// worker is not of this kind.
    func describeWorker(pid: Int32?, clusterJobID: String?, node: String?, live: Bool) -> String?
    /// The daemon line of `ptune status` while a daemon of this kind runs.
    func statusLine(_ status: DaemonStatus) -> String
}

extension ExecutorKind {
    public var settingKeys: [String] { [] }

    public func checkSettings(_ table: ConfigReader) throws {
        try table.checkKeys(settingKeys)
    }
}
