import Base
import Foundation
import Glibc
@testable import Spool
import TestSupport
import Testing

@Suite struct SpoolLayoutTests {
    @Test func createsTheTreeWithItsModesWhateverTheUmask() throws {
        let previous = umask(0o077)
        defer { umask(previous) }
        let spool = try SpoolFixture()
        let layout = spool.layout
        #expect(SpoolFixture.mode(layout.root) == 0o755)
        #expect(SpoolFixture.mode(layout.incoming) == 0o3775)
        #expect(SpoolFixture.mode(layout.control) == 0o755)
        #expect(SpoolFixture.mode(layout.cancelRequests) == 0o3775)
        for folder in [layout.tmp, layout.active, layout.claims] {
            #expect(SpoolFixture.mode(folder) == 0o700, "\(folder.lastPathComponent)")
        }
        for folder in [layout.done, layout.failed, layout.rejected] {
            #expect(SpoolFixture.mode(folder) == 0o711, "\(folder.lastPathComponent)")
        }
        #expect(layout.claims.path == layout.root.path + "/active/claims")
    }

    @Test func createIsIdempotentAndLeavesExistingModes() throws {
        let spool = try SpoolFixture()
        chmod(spool.layout.done.path, 0o750)
        try spool.layout.create()
        try spool.layout.create()
        #expect(SpoolFixture.mode(spool.layout.done) == 0o750)
        #expect(SpoolFixture.mode(spool.layout.incoming) == 0o3775)
    }

    @Test func refusesAFileWhereAFolderBelongs() throws {
        let spool = try SpoolFixture()
        try FileManager.default.removeItem(at: spool.layout.failed)
        try Data().write(to: spool.layout.failed)
        #expect(throws: FileError.self) { try spool.layout.create() }
    }

    @Test func theTmpfilesConfigurationGivesTheModesServeGives() throws {
        let text = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("systemd/ptune.tmpfiles"),
                              encoding: .utf8)
        var modes: [String: mode_t] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("d ") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            modes[String(fields[1].split(separator: "/").last!)] = mode_t(fields[2], radix: 8)
        }
        let expected: [String: mode_t] = ["spool": SpoolLayout.rootMode, "incoming": SpoolLayout.submitMode,
                                          "tmp": SpoolLayout.daemonMode, "active": SpoolLayout.daemonMode,
                                          "done": SpoolLayout.resultsMode, "failed": SpoolLayout.resultsMode,
                                          "rejected": SpoolLayout.resultsMode, "control": SpoolLayout.rootMode,
                                          "cancel": SpoolLayout.submitMode]
        for (folder, mode) in expected { #expect(modes[folder] == mode, "\(folder)") }
    }
}
