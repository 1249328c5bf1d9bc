import Foundation
import Spool
import TOMLKit

/// Reads typed values from a table of the service's config file, with errors naming the file and the key.
struct ConfigReader {
    let file: String
    let table: TOMLTable
    /// Put before key names in errors ("slurm.").
    var prefix = ""

    /// The file parsed as TOML, or an error naming the file, the line and what to do.
    static func table(in file: String) throws -> TOMLTable {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw CLIError("\(file): \(error.localizedDescription)", hint: "check the file is readable UTF-8 text")
        }
        if let crash = TOMLCrashCheck.firstCrash(in: text) {
            throw CLIError("\(file): \(crash.message) (at line \(crash.line), column \(crash.column))", hint: "fix the TOML syntax")
        }
        do {
            return try TOMLTable(string: text)
        } catch {
            throw CLIError("\(file): \(error)", hint: "fix the TOML syntax")
        }
    }

    func int(_ key: String) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard let i = value.int, i > 0 else { throw CLIError("\(file): \(prefix)\(key) must be a positive integer") }
        return i
    }

    func double(_ key: String) throws -> Double? {
        guard let value = table[key] else { return nil }
        guard let d = value.double ?? value.int.map(Double.init), d > 0, d.isFinite else {
            throw CLIError("\(file): \(prefix)\(key) must be a positive number")
        }
        return d
    }

    func string(_ key: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let s = value.string, !s.isEmpty else { throw CLIError("\(file): \(prefix)\(key) must be a non-empty string") }
        return s
    }
}
