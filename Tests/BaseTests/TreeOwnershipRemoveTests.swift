import Base
import Foundation
import Glibc
import TestSupport
import Testing

/// Removing a result folder its submitter owns and may have changed since it was handed over.
@Suite struct TreeOwnershipRemoveTests {
    @Test func removesAClosedTreeButNothingItsLinksReach() throws {
        let base = TestEnvironment.temporaryDirectory("reclaim").path
        defer { FileSystem.removeTree(base) }
        let outside = base + "/outside"
        try FileSystem.makeDirectory(outside, mode: 0o755)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: outside + "/file"))
        let result = base + "/done/job"
        try FileManager.default.createDirectory(atPath: result + "/bundle/deep", withIntermediateDirectories: true)
        try Data("report".utf8).write(to: URL(fileURLWithPath: result + "/report.md"))
        try Data("data".utf8).write(to: URL(fileURLWithPath: result + "/bundle/deep/train.jsonl"))
        symlink(outside, result + "/to-outside")
        symlink(outside + "/file", result + "/bundle/to-file")
        link(outside + "/file", result + "/bundle/hard-link")
        for (path, mode) in [("/bundle/deep", 0o000), ("/bundle", 0o500), ("", 0o500)] as [(String, mode_t)] {
            chmod(result + path, mode)
        }
        if geteuid() == 0 { lchown(result, 4242, 4242) }

        try TreeOwnership.reclaimAndRemove(result)

        #expect(try FileSystem.status(result) == nil)
        #expect(try String(contentsOfFile: outside + "/file", encoding: .utf8) == "kept")
        #expect(try FileSystem.status(outside + "/file")?.st_nlink == 1)
        #expect(try FileSystem.entries(of: base + "/done").isEmpty)
    }

    @Test func aBudgetOfEntriesRemovesInStepsUntilAllIsGone() throws {
        let base = TestEnvironment.temporaryDirectory("reclaim").path
        defer { FileSystem.removeTree(base) }
        try FileManager.default.createDirectory(atPath: base + "/many/sub", withIntermediateDirectories: true)
        for i in 0..<25 { try Data().write(to: URL(fileURLWithPath: base + "/many/sub/f\(i)")) }
        var steps = 0
        while try !TreeOwnership.reclaimAndRemove(base + "/many", maxEntries: 10) { steps += 1 }
        #expect(steps == 2)
        #expect(try FileSystem.status(base + "/many") == nil)
    }

    /// A folder of another user than the result's owner (moved in by the owner) is not taken over.
    @Test(.enabled(if: geteuid() == 0, "changing files' owners needs root"))
    func aFolderOfAThirdUserIsLeftInPlace() throws {
        let base = TestEnvironment.temporaryDirectory("reclaim").path
        defer { FileSystem.removeTree(base) }
        try FileManager.default.createDirectory(atPath: base + "/result/foreign", withIntermediateDirectories: true)
        lchown(base + "/result", 4242, 4242)
        lchown(base + "/result/foreign", 4343, 4343)
        #expect(throws: FileError.self) { try TreeOwnership.reclaimAndRemove(base + "/result", owner: 4242) }
        #expect(try FileSystem.status(base + "/result/foreign")?.st_uid == 4343)
    }

    @Test func aPathThatIsGoneIsNoError() throws {
        try TreeOwnership.reclaimAndRemove(TestEnvironment.temporaryDirectory("reclaim").path + "/nothing-here")
        try TreeOwnership.reclaimAndRemove("/nonexistent-\(getpid())/x")
    }

    @Test func aLinkIsRemovedNotFollowed() throws {
        let base = TestEnvironment.temporaryDirectory("reclaim").path
        defer { FileSystem.removeTree(base) }
        try FileSystem.makeDirectory(base + "/target", mode: 0o755)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: base + "/target/file"))
        symlink(base + "/target", base + "/link")
        try TreeOwnership.reclaimAndRemove(base + "/link")
        #expect(try FileSystem.status(base + "/link") == nil)
        #expect(try String(contentsOfFile: base + "/target/file", encoding: .utf8) == "kept")
    }

    @Test func aTreeNestedPastTheLimitIsRefusedNamingIt() throws {
        let base = TestEnvironment.temporaryDirectory("reclaim").path
        defer { FileSystem.removeTree(base) }
        var path = base + "/deep"
        for _ in 0...TreeOwnership.removalDepthLimit { path += "/d" }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(throws: FileError.self) { try TreeOwnership.reclaimAndRemove(base + "/deep") }
        #expect(try FileSystem.status(base + "/deep") != nil)
    }
}
