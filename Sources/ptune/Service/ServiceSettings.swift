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
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw CLIError("\(file): \(error.localizedDescription)", hint: "check the file is readable UTF-8 text")
        }
        if let crash = TOMLCrashCheck.firstCrash(in: text) {
            throw CLIError("\(file): \(crash.message) (at line \(crash.line), column \(crash.column))", hint: "fix the TOML syntax")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw CLIError("\(file): \(error)", hint: "fix the TOML syntax")
        }
        for key in table.keys where !keys.contains(key) {
            throw CLIError("\(file): unknown key \(key)", hint: "known keys: \(keys.joined(separator: ", "))")
        }
        func int(_ key: String) throws -> Int? {
            guard let value = table[key] else { return nil }
            guard let i = value.int, i > 0 else { throw CLIError("\(file): \(key) must be a positive integer") }
            return i
        }
        func double(_ key: String, in table: TOMLTable = table, prefix: String = "") throws -> Double? {
            guard let value = table[key] else { return nil }
            guard let d = value.double ?? value.int.map(Double.init), d > 0, d.isFinite else {
                throw CLIError("\(file): \(prefix)\(key) must be a positive number")
            }
            return d
        }
        func string(_ key: String, in table: TOMLTable = table, prefix: String = "") throws -> String? {
            guard let value = table[key] else { return nil }
            guard let s = value.string, !s.isEmpty else { throw CLIError("\(file): \(prefix)\(key) must be a non-empty string") }
            return s
        }
        var settings = ServiceSettings(spool: try string("spool"), db: try string("db"), models: try string("models"),
                                       cores: try int("cores"), memoryMB: try int("memory_mb"), maxJobs: try int("max_jobs"),
                                       stopTimeout: try double("stop_timeout"), rescanSeconds: try double("rescan_seconds"),
                                       executor: try string("executor"))
        if let executor = settings.executor, !executors.contains(executor) {
            throw CLIError("\(file): executor must be one of \(executors.joined(separator: ", ")), got \"\(executor)\"")
        }
        if let value = table["slurm"] {
            guard let slurm = value.table else { throw CLIError("\(file): slurm must be a table ([slurm])") }
            for key in slurm.keys where !slurmKeys.contains(key) {
                throw CLIError("\(file): unknown key slurm.\(key)", hint: "known keys: \(slurmKeys.joined(separator: ", "))")
            }
            if let args = slurm["sbatch_args"] {
                guard let array = args.array, let strings = Optional(array.compactMap(\.string)), strings.count == array.count else {
                    throw CLIError("\(file): slurm.sbatch_args must be an array of strings, e.g. [\"--partition=cpu\"]")
                }
                settings.slurm.sbatchArguments = strings
            }
            settings.slurm.pollSeconds = try double("poll_seconds", in: slurm, prefix: "slurm.") ?? settings.slurm.pollSeconds
            settings.slurm.workerExecutable = try string("worker", in: slurm, prefix: "slurm.")
            settings.slurm.binDirectory = try string("bin_dir", in: slurm, prefix: "slurm.")
        }
        return settings
    }
}
