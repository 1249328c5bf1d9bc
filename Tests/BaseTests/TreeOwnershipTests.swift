import Base
import Foundation
import Glibc
import TestSupport
import Testing

/// Changing owners needs root (CAP_CHOWN); other users skip with the reason.
@Suite(.enabled(if: geteuid() == 0, "changing files' owners needs root"))
struct TreeOwnershipTests {
    static let submitter: uid_t = 4242
    static let neighbour: uid_t = 4343

    /// base/{entry/{task.toml 0644, secret 0600, closed/ 0000 {x 0644}}, outside 0644}, all the
    /// submitter's but `outside`, which is the neighbour's.
    func tree() throws -> (base: String, entry: String) {
        let base = TestEnvironment.temporaryDirectory("ownership").path
        let entry = base + "/entry"
        try FileSystem.makeDirectory(entry, mode: 0o755)
        try FileSystem.makeDirectory(entry + "/closed", mode: 0o755)
        for (path, mode) in [("/task.toml", 0o644), ("/secret", 0o600), ("/closed/x", 0o644)] as [(String, mode_t)] {
            try Data("data \(path)".utf8).write(to: URL(fileURLWithPath: entry + path))
            chmod(entry + path, mode)
        }
        try Data("the neighbour's".utf8).write(to: URL(fileURLWithPath: base + "/outside"))
        for path in ["", "/task.toml", "/secret", "/closed", "/closed/x"] { lchown(entry + path, Self.submitter, Self.submitter) }
        chmod(entry + "/closed", 0)
        lchown(base + "/outside", Self.neighbour, Self.neighbour)
        return (base, entry)
    }

    static func status(_ path: String) -> stat {
        var info = stat()
        lstat(path, &info)
        return info
    }

    @Test func takesEveryFolderAndFileWhateverTheirModes() throws {
        let (base, entry) = try tree()
        try TreeOwnership.take("entry", in: base, from: Self.submitter, maxBytes: 1 << 20)
        for (path, mode) in [("", 0o700), ("/task.toml", 0o600), ("/secret", 0o600), ("/closed", 0o700), ("/closed/x", 0o600)] {
            let info = Self.status(entry + path)
            #expect(info.st_uid == geteuid() && info.st_gid == getegid(), "\(path)")
            #expect(info.st_mode & 0o7777 == mode_t(mode), "\(path)")
        }
        #expect(Self.status(base + "/outside").st_uid == Self.neighbour)
    }

    @Test func refusesAnotherUsersFileAHardLinkAndTooManyBytes() throws {
        let (base, entry) = try tree()
        #expect(link(base + "/outside", entry + "/planted") == 0)
        #expect(throws: FileError.self) { try TreeOwnership.take("entry", in: base, from: Self.submitter, maxBytes: 1 << 20) }
        #expect(Self.status(base + "/outside").st_uid == Self.neighbour, "the neighbour's file is left theirs")
        unlink(entry + "/planted")

        let mine = base + "/mine"
        try Data("x".utf8).write(to: URL(fileURLWithPath: mine))
        lchown(mine, Self.submitter, Self.submitter)
        #expect(link(mine, entry + "/linked") == 0)
        let linked = #expect(throws: FileError.self) { try TreeOwnership.take("entry", in: base, from: Self.submitter, maxBytes: 1 << 20) }
        #expect(linked?.message.contains("hard link") == true)
        #expect(Self.status(mine).st_uid == Self.submitter, "the file's other name is left as it was")
        unlink(entry + "/linked")

        let sparse = open(entry + "/huge", O_WRONLY | O_CREAT, 0o644)
        #expect(ftruncate(sparse, 2 << 40) == 0, "a 2 TB sparse file")
        close(sparse)
        let huge = #expect(throws: FileError.self) { try TreeOwnership.take("entry", in: base, from: Self.submitter, maxBytes: 1 << 30) }
        #expect(huge?.message.contains("huge") == true)
    }

    @Test func followsNoLinkAndLeavesLinksAlone() throws {
        let (base, entry) = try tree()
        #expect(symlink(base + "/outside", entry + "/to-outside") == 0)
        #expect(symlink(base, entry + "/to-base") == 0)
        try TreeOwnership.take("entry", in: base, from: Self.submitter, maxBytes: 1 << 20)
        #expect(Self.status(base + "/outside").st_uid == Self.neighbour)
        #expect(Self.status(base + "/outside").st_mode & 0o777 == 0o644)
        #expect(Self.status(base).st_uid == geteuid())
    }

    @Test func handsATreeToItsOwnerButNoSharedFile() throws {
        let (base, entry) = try tree()
        try TreeOwnership.take("entry", in: base, from: Self.submitter, maxBytes: 1 << 20)
        let own = base + "/own"
        try Data("x".utf8).write(to: URL(fileURLWithPath: own))
        #expect(link(own, entry + "/shared") == 0)
        try TreeOwnership.hand(entry, to: Self.submitter, group: Self.neighbour, folderMode: 0o550, fileMode: 0o440)
        for (path, mode) in [("", 0o550), ("/task.toml", 0o440), ("/closed", 0o550), ("/closed/x", 0o440)] {
            let info = Self.status(entry + path)
            #expect(info.st_uid == Self.submitter && info.st_gid == Self.neighbour, "\(path)")
            #expect(info.st_mode & 0o7777 == mode_t(mode), "\(path)")
        }
        #expect(Self.status(own).st_uid == geteuid(), "a file with a second name elsewhere stays the daemon's")
        try TreeOwnership.take("entry", in: base, from: Self.submitter, maxBytes: 1 << 20)
        FileSystem.removeTree(entry)
        #expect(Self.status(own).st_nlink == 1)
    }
}
