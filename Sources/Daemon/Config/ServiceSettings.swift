import Base
import Foundation
import Glibc
import TOMLKit

/// Settings from the daemon's config file (default /etc/ptune/ptune.toml), which command-line flags
/// override. Every key is optional; a relative `spool`, `db` or `models` is read from the config
/// file's folder, never from the folder a command runs in:
///
///     spool = "/var/lib/ptune/spool"
///     db = "/var/lib/ptune/ptune.sqlite"
///     models = "/var/lib/ptune/models"
///     cores = 8
///     memory_mb = 16384
///     max_jobs = 4
///     stop_timeout = 60        # seconds
///     rescan_seconds = 30
///     executor = "local"       # a name in `ExecutorRegistry`: "local" or "slurm"
///     admin_group = "ptune-admin"   # may cancel any job and read every result
///
/// a `[retention]` table (`RetentionPolicy`), a `[metrics]` table (`MetricsSettings`), a `[notify]` table (`NotifySettings`), and a table per executor that takes settings, named
/// after it (`[slurm]`: `SlurmExecutorKind`).
public struct ServiceSettings {
    public var spool: String?
    public var db: String?
    public var models: String?
    public var cores: Int?
    public var memoryMB: Int?
    public var maxJobs: Int?
    public var stopTimeout: Double?
    public var rescanSeconds: Double?
    public var executor: String?
    /// `admin_group`, resolved to its group ID.
    public var adminGroup: gid_t?
    /// `[retention]`, or the defaults.
    public var retention = RetentionPolicy()
    /// `[metrics]`; nil: no metrics are exported.
    public var metrics: MetricsSettings?
    /// `[notify]`; nil: nobody is notified.
    public var notify: NotifySettings?
    /// The executors' own tables, by executor name, each checked by its kind.
    public var executorTables: [String: ConfigReader] = [:]

    public static let defaultPath = "/etc/ptune/ptune.toml"
    static let keys = ["spool", "db", "models", "cores", "memory_mb", "max_jobs", "stop_timeout", "rescan_seconds",
                       "executor", "admin_group"]

    /// Reads `path`; a missing file at the default path is no error (all defaults). The executor
    /// names and tables are those `registry` knows.
    public static func load(path: String?, registry: ExecutorRegistry = .standard) throws -> ServiceSettings {
        let file = path ?? defaultPath
        guard FileManager.default.fileExists(atPath: file) else {
            if path != nil { throw ActionableError("no config file at \(file)", hint: "check --config") }
            return ServiceSettings()
        }
        let table = try ConfigReader.table(in: file)
        let reader = ConfigReader(file: file, table: table)
        try reader.checkKeys(keys + ["retention", "metrics", "notify"] + registry.kinds.filter { !$0.settingKeys.isEmpty }.map(\.name))
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let path = { (key: String) throws -> String? in
            try reader.string(key).map { $0.hasPrefix("/") ? $0 : folder.appendingPathComponent($0).standardizedFileURL.path }
        }
        var settings = ServiceSettings(spool: try path("spool"), db: try path("db"),
                                       models: try path("models"), cores: try reader.int("cores"),
                                       memoryMB: try reader.int("memory_mb"), maxJobs: try reader.int("max_jobs"),
                                       stopTimeout: try reader.double("stop_timeout"),
                                       rescanSeconds: try reader.double("rescan_seconds"), executor: try reader.string("executor"))
        if let name = try reader.string("admin_group") {
            guard let gid = GroupMembership.group(named: name) else {
                throw ActionableError("\(file): admin_group: there is no group \"\(name)\"",
                                      hint: "create it (groupadd \(name)) or remove the key")
            }
            settings.adminGroup = gid
        }
        if let retention = try reader.subtable("retention") { settings.retention = try RetentionPolicy.read(retention) }
        if let metrics = try reader.subtable("metrics") { settings.metrics = try MetricsSettings.read(metrics) }
        if let notify = try reader.subtable("notify") { settings.notify = try NotifySettings.read(notify) }
        if let executor = settings.executor, registry.named(executor) == nil {
            throw ActionableError("\(file): executor must be one of \(registry.names.joined(separator: ", ")), got \"\(executor)\"")
        }
        for kind in registry.kinds {
            guard let executorTable = try reader.subtable(kind.name) else { continue }
            try kind.checkSettings(executorTable)
            settings.executorTables[kind.name] = executorTable
        }
        return settings
    }

    /// The config file's table for `kind`, if it has one.
    public func table(for kind: any ExecutorKind) -> ConfigReader? { executorTables[kind.name] }
}
