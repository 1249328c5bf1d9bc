@testable import Daemon
import Foundation
import Glibc
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

    /// Renames `incoming/NAME` to a name ending in `suffix`, bytes that are not UTF-8.
    func makeUndecodable(_ f: SchedulerFixture, _ name: String, suffix: [UInt8]) {
        let folder = Array(f.layout.incoming.path.utf8) + [0x2F]
        let target = (folder + Array(name.utf8) + suffix + [0]).map { CChar(bitPattern: $0) }
        #expect(rename(f.layout.incoming.path + "/" + name, target) == 0)
    }

    @Test func entriesWhoseNamesAreNotUTF8AreTakenInUnderEscapedNames() throws {
        let f = try SchedulerFixture()
        try f.submit("caf")
        makeUndecodable(f, "caf", suffix: [0xE9])
        let staging = f.layout.tmp.appendingPathComponent("junk")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: staging, to: f.layout.incoming.appendingPathComponent("junk"))
        makeUndecodable(f, "junk", suffix: [0x1B, 0xFF])
        try f.tick()
        #expect(try f.state("caf") == .running)
        #expect(f.entries(f.layout.rejected) == ["junk%1B%FF"])
        #expect(f.entries(f.layout.incoming).isEmpty)
    }

    @Test func twoRejectedEntriesWithTheLongestNameBothLandInRejected() throws {
        let f = try SchedulerFixture()
        let name = String(repeating: "n", count: 255)
        for round in 0..<2 {
            let staging = f.layout.tmp.appendingPathComponent("long\(round)")
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: staging, to: f.layout.incoming.appendingPathComponent(name))
            try f.tick()
        }
        try f.submit("valid")
        try f.tick()
        #expect(try f.state("valid") == .running)
        #expect(f.entries(f.layout.rejected) == [String(repeating: "n", count: 253) + "-2", name])
    }

    @Test func anEntryThatCannotBeClaimedIsSkippedAndBlocksNoOther() throws {
        let f = try SchedulerFixture()
        let staging = f.layout.tmp.appendingPathComponent("stuck")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: staging, to: f.layout.incoming.appendingPathComponent("stuck"))
        let stuck = f.layout.incoming.appendingPathComponent("stuck").path
        // An immutable folder cannot be renamed even by root: the claim fails as it does for a
        // daemon that may not move another user's folder.
        guard Self.chattr("+i", stuck) else { return }
        defer { _ = Self.chattr("-i", stuck) }
        try f.tick()
        try f.submit("valid")
        try f.tick()
        #expect(try f.state("valid") == .running)
        #expect(f.entries(f.layout.incoming) == ["stuck"])
        f.core.writeStatus()
        let untaken = DaemonStatus.read(spool: f.layout.root)?.untaken ?? []
        #expect(untaken.map(\.entry) == ["stuck"], "ptune status shows the entry left in incoming/")
        #expect(untaken.first?.reason.contains("stuck") == true)
        _ = Self.chattr("-i", stuck)
        chmod(stuck, 0o700)
        try f.tick()
        #expect(f.entries(f.layout.incoming).isEmpty)
        #expect(f.entries(f.layout.rejected) == ["stuck"])
        f.core.writeStatus()
        #expect(DaemonStatus.read(spool: f.layout.root)?.untaken == [])
    }

    /// Runs chattr; false (with the test passing vacuously) where the file system or the process
    /// cannot set the immutable attribute.
    static func chattr(_ flag: String, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
