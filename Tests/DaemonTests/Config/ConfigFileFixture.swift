@testable import Daemon
import Foundation
import TestSupport
import Testing

/// The daemon's config file from TOML text, for the tests of its tables.
enum ConfigFileFixture {
    /// The settings `toml` gives, read from a file as the daemon reads its own.
    static func settings(_ toml: String) throws -> ServiceSettings {
        let file = TestEnvironment.temporaryDirectory("config").appendingPathComponent("ptune.toml")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(toml.utf8).write(to: file)
        return try ServiceSettings.load(path: file.path)
    }

    /// Records an issue unless `toml` is refused with an error containing `message`.
    static func expectRefused(_ toml: String, naming message: String) {
        do {
            _ = try settings(toml)
            Issue.record("accepted \(toml)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
