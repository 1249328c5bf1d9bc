import Base
import Foundation
import Glibc
@testable import Spool
import Testing

@Suite struct SpoolLayoutTests {
    @Test func createsTheTreeWithItsModesWhateverTheUmask() throws {
        let previous = umask(0o077)
        defer { umask(previous) }
        let spool = try SpoolFixture()
        let layout = spool.layout
        #expect(SpoolFixture.mode(layout.root) == 0o755)
        for folder in [layout.incoming, layout.tmp] {
            #expect(SpoolFixture.mode(folder) == 0o2775, "\(folder.lastPathComponent)")
        }
        for folder in [layout.active, layout.claims, layout.done, layout.failed, layout.rejected] {
            #expect(SpoolFixture.mode(folder) == 0o755, "\(folder.lastPathComponent)")
        }
        #expect(layout.claims.path == layout.root.path + "/active/claims")
    }

    @Test func createIsIdempotentAndLeavesExistingModes() throws {
        let spool = try SpoolFixture()
        chmod(spool.layout.done.path, 0o700)
        try spool.layout.create()
        try spool.layout.create()
        #expect(SpoolFixture.mode(spool.layout.done) == 0o700)
        #expect(SpoolFixture.mode(spool.layout.incoming) == 0o2775)
    }

    @Test func refusesAFileWhereAFolderBelongs() throws {
        let spool = try SpoolFixture()
        try FileManager.default.removeItem(at: spool.layout.failed)
        try Data().write(to: spool.layout.failed)
        #expect(throws: FileError.self) { try spool.layout.create() }
    }
}
