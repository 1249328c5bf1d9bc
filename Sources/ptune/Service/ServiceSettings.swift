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
struct ServiceSettings: Equatable {
    var spool: String?
    var db: String?
    var models: String?
    var cores: Int?
    var memoryMB: Int?
    var maxJobs: Int?
    var stopTimeout: Double?
    var rescanSeconds: Double?

    static let defaultPath = "/etc/ptune/ptune.toml"
    static let keys = ["spool", "db", "models", "cores", "memory_mb", "max_jobs", "stop_timeout", "rescan_seconds"]

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
        func double(_ key: String) throws -> Double? {
            guard let value = table[key] else { return nil }
            guard let d = value.double ?? value.int.map(Double.init), d > 0, d.isFinite else {
                throw CLIError("\(file): \(key) must be a positive number")
            }
            return d
        }
        func string(_ key: String) throws -> String? {
            guard let value = table[key] else { return nil }
            guard let s = value.string, !s.isEmpty else { throw CLIError("\(file): \(key) must be a non-empty string") }
            return s
        }
        return ServiceSettings(spool: try string("spool"), db: try string("db"), models: try string("models"),
                               cores: try int("cores"), memoryMB: try int("memory_mb"), maxJobs: try int("max_jobs"),
                               stopTimeout: try double("stop_timeout"), rescanSeconds: try double("rescan_seconds"))
    }
}
