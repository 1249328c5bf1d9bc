@testable import Daemon
import Foundation
import TestSupport
import Testing

/// The config file's own keys.
struct ServiceSettingsTests {
    /// Relative paths are the config file's folder's, whatever folder the command runs in: an admin
    /// running `ptune gc` from a folder another user controls must not open that user's database.
    @Test func relativePathsAreReadFromTheConfigFilesFolder() throws {
        let folder = TestEnvironment.temporaryDirectory("config").standardizedFileURL
        let file = folder.appendingPathComponent("ptune.toml")
        try Data("spool = \"spool\"\ndb = \"../state/ptune.sqlite\"\nmodels = \"/srv/models\"\n".utf8).write(to: file)
        let settings = try ServiceSettings.load(path: file.path)
        #expect(settings.spool == folder.appendingPathComponent("spool").path)
        #expect(settings.db == folder.deletingLastPathComponent().appendingPathComponent("state/ptune.sqlite").path)
        #expect(settings.models == "/srv/models")
    }
}
