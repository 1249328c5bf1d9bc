import Daemon
import Foundation
import Spool
import TOMLKit

/// Settings from the daemon's config file (default /etc/ptune/ptune.toml), which command-line flags
/// override. Every key is optional:
///
///     spool = "/var/lib/ptune/spool"
///     db = "/var/lib/ptune/ptune.sqlite"
///     models = "/var/lib/ptune/models"
///     cores = 8
///     memory_mb = 16384
///     max_jobs = 4
///     stop_timeout = 60        # seconds
///     rescan_seconds = 30
///     executor = "local"       # or "slurm"
///
///     [slurm]                  # with executor = "slurm"
///     sbatch_args = ["--partition=cpu"]
///     poll_seconds = 5
///     worker = "/shared/bin/ptune"
///     bin_dir = "/usr/bin"
struct ServiceSettings: Equatable {
    var spool: String?
    var db: String?
    var models: String?
    var cores: Int?
    var memoryMB: Int?
    var maxJobs: Int?
    var stopTimeout: Double?
    var rescanSeconds: Double?
    var executor: String?
    var slurm = SlurmSettings()

    static let defaultPath = "/etc/ptune/ptune.toml"
    static let keys = ["spool", "db", "models", "cores", "memory_mb", "max_jobs", "stop_timeout", "rescan_seconds",
                       "executor", "slurm"]
    static let slurmKeys = ["sbatch_args", "poll_seconds", "worker", "bin_dir"]
    static let executors = ["local", "slurm"]

    /// Reads `path`; a missing file at the default path is no error (all defaults).
    static func load(path: String?) throws -> ServiceSettings {
        let file = path ?? defaultPath
        guard FileManager.default.fileExists(atPath: file) else {
            if path != nil { throw CLIError("no config file at \(file)", hint: "check --config") }
            return ServiceSettings()
        }
        let table = try ConfigReader.table(in: file)
        for key in table.keys where !keys.contains(key) {
            throw CLIError("\(file): unknown key \(key)", hint: "known keys: \(keys.joined(separator: ", "))")
        }
        let reader = ConfigReader(file: file, table: table)
        var settings = ServiceSettings(spool: try reader.string("spool"), db: try reader.string("db"),
                                       models: try reader.string("models"), cores: try reader.int("cores"),
                                       memoryMB: try reader.int("memory_mb"), maxJobs: try reader.int("max_jobs"),
                                       stopTimeout: try reader.double("stop_timeout"),
                                       rescanSeconds: try reader.double("rescan_seconds"), executor: try reader.string("executor"))
        if let executor = settings.executor, !executors.contains(executor) {
            throw CLIError("\(file): executor must be one of \(executors.joined(separator: ", ")), got \"\(executor)\"")
        }
        if let value = table["slurm"] {
            guard let slurm = value.table else { throw CLIError("\(file): slurm must be a table ([slurm])") }
            settings.slurm = try slurmSettings(ConfigReader(file: file, table: slurm, prefix: "slurm."))
        }
        return settings
    }

    /// The `[slurm]` table over the defaults of `SlurmSettings()`.
    private static func slurmSettings(_ reader: ConfigReader) throws -> SlurmSettings {
        var slurm = SlurmSettings()
        for key in reader.table.keys where !slurmKeys.contains(key) {
            throw CLIError("\(reader.file): unknown key slurm.\(key)", hint: "known keys: \(slurmKeys.joined(separator: ", "))")
        }
        if let args = reader.table["sbatch_args"] {
            guard let array = args.array, let strings = Optional(array.compactMap(\.string)), strings.count == array.count else {
                throw CLIError("\(reader.file): slurm.sbatch_args must be an array of strings, e.g. [\"--partition=cpu\"]")
            }
            slurm.sbatchArguments = strings
        }
        slurm.pollSeconds = try reader.double("poll_seconds") ?? slurm.pollSeconds
        slurm.workerExecutable = try reader.string("worker")
        slurm.binDirectory = try reader.string("bin_dir")
        return slurm
    }
}
