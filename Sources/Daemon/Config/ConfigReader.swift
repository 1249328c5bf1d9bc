import Base
import Foundation
import Spool
import TOMLKit

/// Reads typed values from a table of the service's config file, with errors naming the file and the key.
public struct ConfigReader {
    /// The config file, named in every error.
    public let file: String
    public let table: TOMLTable
    /// Put before key names in errors ("slurm.").
    public var prefix = ""

    public init(file: String, table: TOMLTable, prefix: String = "") {
        self.file = file
        self.table = table
        self.prefix = prefix
    }

    /// The file parsed as TOML, or an error naming the file, the line and what to do.
    public static func table(in file: String) throws -> TOMLTable {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ActionableError("\(file): \(error.localizedDescription)", hint: "check the file is readable UTF-8 text")
        }
        if let crash = TOMLCrashCheck.firstCrash(in: text) {
            throw ActionableError("\(file): \(crash.message) (at line \(crash.line), column \(crash.column))", hint: "fix the TOML syntax")
        }
        do {
            return try TOMLTable(string: text)
        } catch {
            throw ActionableError("\(file): \(error)", hint: "fix the TOML syntax")
        }
    }

    /// The positive integer at `key`, or nil when absent.
    public func int(_ key: String) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard let i = value.int, i > 0 else { throw ActionableError("\(file): \(prefix)\(key) must be a positive integer") }
        return i
    }

    /// The positive number at `key`, or nil when absent.
    public func double(_ key: String) throws -> Double? {
        guard let value = table[key] else { return nil }
        guard let d = value.double ?? value.int.map(Double.init), d > 0, d.isFinite else {
            throw ActionableError("\(file): \(prefix)\(key) must be a positive number")
        }
        return d
    }

    /// The non-empty string at `key`, or nil when absent.
    public func string(_ key: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let s = value.string, !s.isEmpty else { throw ActionableError("\(file): \(prefix)\(key) must be a non-empty string") }
        return s
    }

    /// The array of strings at `key`, or nil when absent; an error shows `example` when it is not one.
    public func strings(_ key: String, example: String) throws -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array, case let strings = array.compactMap(\.string), strings.count == array.count else {
            throw ActionableError("\(file): \(prefix)\(key) must be an array of strings, e.g. \(example)")
        }
        return strings
    }

    /// The table at `key` (`[key]` in the file), read with errors prefixed "key."; nil when absent.
    public func subtable(_ key: String) throws -> ConfigReader? {
        guard let value = table[key] else { return nil }
        guard let own = value.table else { throw ActionableError("\(file): \(prefix)\(key) must be a table ([\(key)])") }
        return ConfigReader(file: file, table: own, prefix: prefix + key + ".")
    }

    /// Throws, naming the key and listing `known`, when the table holds a key not in `known`.
    public func checkKeys(_ known: [String]) throws(ActionableError) {
        for key in table.keys where !known.contains(key) {
            throw ActionableError("\(file): unknown key \(prefix)\(key)", hint: "known keys: \(known.joined(separator: ", "))")
        }
    }
}
