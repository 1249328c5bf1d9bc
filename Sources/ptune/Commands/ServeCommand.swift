import Application
import ArgumentParser
import Base
import Daemon
import Foundation
import Logging
import ServiceLifecycle
import Store

/// `ptune serve`: the long-running daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: train the bundles dropped into the spool.",
        discussion: """
            Settings come from the config file (/etc/ptune/ptune.toml, or --config), then these flags. \
            SIGTERM stops claiming, checkpoints the running jobs and exits 0 within the stop timeout; \
            the next start resumes them. Under systemd (Type=notify) it reports READY, STATUS and \
            WATCHDOG.
            """)

    @OptionGroup var spoolOptions: SpoolOptions
    @Option(name: .long, help: "Model directory for bundles' `model` names (default: the config file's models, else $PTUNE_MODELS or ~/.cache/ptune/models).")
    var models: String?
    @Option(name: .long, help: "Cores the running jobs' threads may add up to (default: all; slurm executor: unbounded).") var cores: Int?
    @Option(name: .long, help: "Memory in MB the running jobs may add up to (default: 80% of RAM; slurm executor: unbounded).") var memory: Int?
    @Option(name: .long, help: "Jobs running at once, at most (default: 4; slurm executor: 32).") var maxJobs: Int?
    @Option(name: .long, help: "Seconds SIGTERM may take before workers are killed (default: 60).") var stopTimeout: Double?
    @Option(name: .long, help: ArgumentHelp(
        "Where workers run: \(ExecutorRegistry.standard.names.joined(separator: " or ")) (default: local).",
        discussion: "Each executor takes settings from its own table in the config file ([slurm] for slurm)."))
    var executor: String?
    @Option(name: .long, help: "A group whose members may cancel any job and read every result (default: none).")
    var adminGroup: String?
    @OptionGroup var faults: FaultInjectionOptions
    /// A fault plan (and step log) for the first attempt's worker of each job.
    @Option(name: .long, help: .hidden) var workerFaultPlan: String?
    @Option(name: .long, help: .hidden) var workerFaultLog: String?

    func validate() throws {
        for (name, value) in [("--cores", cores), ("--memory", memory), ("--max-jobs", maxJobs)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value).") }
        }
        try FaultInjectionOptions.check(workerFaultPlan, option: "--worker-fault-plan")
        if let adminGroup, GroupMembership.group(named: adminGroup) == nil {
            throw ValidationError("--admin-group: there is no group \"\(adminGroup)\".")
        }
        if let executor, ExecutorRegistry.standard.named(executor) == nil {
            throw ValidationError("--executor must be one of \(ExecutorRegistry.standard.names.joined(separator: ", ")), got \"\(executor)\".")
        }
    }

    func run() async throws {
        faults.apply()
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "ptune")
        logger.logLevel = .info
        let settings = try spoolOptions.settings()
        let spool = spoolOptions.spoolURL(settings)
        let kindName = executor ?? settings.executor ?? LocalExecutorKind().name
        guard let kind = ExecutorRegistry.standard.named(kindName) else { throw ActionableError("no executor \(kindName)") }
        let budgets = kind.defaultBudgets(cores: ProcessInfo.processInfo.activeProcessorCount,
                                          memoryMB: Int(Double(ProcessInfo.processInfo.physicalMemory) / 1_048_576 * 0.8))
        var config = DaemonConfig(
            spool: spool, database: try spoolOptions.databasePath(settings),
            models: models ?? settings.models ?? ModelResolution.modelDirectory,
            cores: cores ?? settings.cores ?? budgets.cores, memoryMB: memory ?? settings.memoryMB ?? budgets.memoryMB,
            maxJobs: maxJobs ?? settings.maxJobs ?? budgets.maxJobs, workerExecutable: Self.executablePath)
        let jobExecutor = try kind.makeExecutor(settings.table(for: kind), spool: spool, logger: logger)
        config.stopTimeoutSeconds = stopTimeout ?? settings.stopTimeout ?? config.stopTimeoutSeconds
        config.rescanSeconds = settings.rescanSeconds ?? config.rescanSeconds
        config.adminGroup = adminGroup.flatMap(GroupMembership.group(named:)) ?? settings.adminGroup
        config.retention = settings.retention
        config.notify = settings.notify
        if let workerFaultPlan {
            config.firstAttemptArguments = ["--fault-plan", workerFaultPlan] + (workerFaultLog.map { ["--fault-log", $0] } ?? [])
        }
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let store = try JobStore(path: config.database)
        let core = try DaemonCore(config: config, store: store, logger: logger, executor: jobExecutor,
                                  cgroup: kind.runsLocally ? Self.jobCgroups(logger: logger) : nil)
        let exporter = try settings.metrics.map {
            try MetricsExporter(settings: $0, store: store, published: core.published, counters: core.counters, logger: logger)
        }
        core.metricsAddress = exporter?.address
        exporter?.start()
        defer { exporter?.stop() }
        let service = DaemonService(core: core, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The delegated cgroup v2 group that enforces job memory limits, prepared; nil (with the reason
    /// logged) when there is none and the RSS watchdog does the job.
    static func jobCgroups(logger: Logger) -> DelegatedCgroup? {
        switch DelegatedCgroup.detect() {
        case .success(let cgroup):
            do {
                try cgroup.prepare()
                logger.info("memory limits: cgroup v2 memory.max", metadata: ["cgroup": "\(cgroup.path)"])
                return cgroup
            } catch {
                logger.notice("memory limits: resident-size watchdog", metadata: ["cgroup": "\(error)"])
            }
        case .failure(let reason):
            logger.info("memory limits: resident-size watchdog", metadata: ["cgroup": "\(reason)"])
        }
        return nil
    }

    /// This binary, which also runs `ptune worker`.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
