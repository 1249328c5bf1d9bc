@testable import Daemon
import Foundation
import Store
import TestSupport
import Testing

/// Entries built to break intake; after each, the daemon still takes in the next valid bundle.
@Suite struct SchedulerHostileEntryTests {
    @Test func aFolderNamedReasonJSONInARejectedBundleNeitherBlocksIntakeNorSurvives() throws {
        let f = try SchedulerFixture()
        let staging = f.layout.tmp.appendingPathComponent("trap")
        try FileManager.default.createDirectory(at: staging.appendingPathComponent("reason.json/inner"),
                                                withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: staging, to: f.layout.incoming.appendingPathComponent("trap"))
        try f.tick()
        try f.submit("valid")
        try f.tick()
        #expect(try f.state("valid") == .running)
        var isFolder: ObjCBool = true
        let reason = f.layout.rejected.appendingPathComponent("trap/reason.json").path
        #expect(FileManager.default.fileExists(atPath: reason, isDirectory: &isFolder) && !isFolder.boolValue)
        let text = try String(contentsOf: f.layout.rejected.appendingPathComponent("trap/reason.txt"), encoding: .utf8)
        #expect(text.contains("task.toml"))
    }
}
