import Base
import Foundation
import Glibc
@testable import Spool
import Testing

/// Claims of entries dropped by another user: the daemon takes them and works on its own copy.
/// Changing files' owners needs root (CAP_CHOWN); other users skip with the reason.
@Suite(.enabled(if: geteuid() == 0, "changing files' owners needs root"))
struct SpoolClaimOwnershipTests {
    static let submitter: uid_t = 4242

    /// Drops bundle `name` into incoming/ as the submitter would under umask 077.
    func dropPrivately(_ spool: SpoolFixture, _ name: String) throws -> String {
        try spool.drop(name)
        let entry = spool.layout.incoming.path + "/" + name
        for path in [entry, entry + "/data"] { chmod(path, 0o700) }
        for path in [entry + "/task.toml", entry + "/data/train.jsonl"] { chmod(path, 0o600) }
        for path in [entry, entry + "/data", entry + "/task.toml", entry + "/data/train.jsonl"] {
            lchown(path, Self.submitter, Self.submitter)
        }
        return entry
    }

    static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    @Test func anotherUsersEntryBecomesTheDaemonsOwnCopy() throws {
        let spool = try SpoolFixture()
        let entry = try dropPrivately(spool, "x")
        let original = try String(contentsOfFile: entry + "/task.toml", encoding: .utf8)
        let held = open(entry + "/task.toml", O_WRONLY)
        defer { close(held) }
        guard case .claimed(let claimed) = try SpoolIntake.claim("x", layout: spool.layout) else {
            Issue.record("not claimed")
            return
        }
        #expect(claimed.owner == Self.submitter)
        #expect(claimed.url.path == spool.layout.claims.path + "/x")
        for (path, mode) in [("", 0o700), ("/data", 0o700), ("/task.toml", 0o600), ("/data/train.jsonl", 0o600)] {
            let info = try #require(Self.status(claimed.url.path + path), "\(path)")
            #expect(info.st_uid == geteuid() && info.st_mode & 0o7777 == mode_t(mode), "\(path)")
        }
        #expect(try SpoolIntake.scanIncoming(spool.layout).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.layout.incoming.path).isEmpty)

        #expect(write(held, "model = \"/etc/passwd\"", 21) == 21, "the submitter still holds the original open")
        #expect(try String(contentsOf: claimed.url.appendingPathComponent("task.toml"), encoding: .utf8) == original)

        #expect(try SpoolIntake.pendingClaims(spool.layout).map(\.owner) == [Self.submitter])
        SpoolIntake.release(claimed, layout: spool.layout)
        #expect(try ClaimRecord.all(spool.layout).isEmpty)
    }

    @Test func anEntryHoldingAnotherUsersFileIsRejectedWithTheReason() throws {
        let spool = try SpoolFixture()
        let entry = try dropPrivately(spool, "x")
        let neighbours = try spool.write("neighbour/secret", "theirs")
        lchown(neighbours.path, 4343, 4343)
        #expect(link(neighbours.path, entry + "/data/secret") == 0)
        guard case .rejected(let place, let error, let owner) = try SpoolIntake.claim("x", layout: spool.layout) else {
            Issue.record("not rejected")
            return
        }
        #expect(place.path == spool.layout.rejected.path + "/x" && owner == Self.submitter)
        #expect(error.message.contains("belongs to uid 4343"))
        let reason = try String(contentsOf: place.appendingPathComponent("reason.txt"), encoding: .utf8)
        #expect(reason.contains("\"x/data/secret\" belongs to uid 4343"), "\(reason)")
        #expect(Self.status(neighbours.path)?.st_uid == 4343)
        #expect(try ClaimRecord.all(spool.layout).isEmpty)
    }

    @Test func aClaimResumesFromEachRecordedStep() throws {
        let spool = try SpoolFixture()
        let entry = try dropPrivately(spool, "x")
        // Renamed to its hidden name, owner not yet recorded.
        var record = ClaimRecord(entry: "x")
        try record.save(spool.layout)
        #expect(rename(entry, record.hiddenPath(spool.layout)) == 0)
        #expect(try SpoolIntake.unfinishedClaims(spool.layout) == [record])
        guard case .claimed(let first) = try SpoolIntake.resumeClaim(record, layout: spool.layout) else {
            Issue.record("not claimed")
            return
        }
        #expect(first.owner == Self.submitter)
        #expect(try SpoolIntake.unfinishedClaims(spool.layout).isEmpty)

        // Copied and named, not yet renamed out of its hidden copy.
        _ = try dropPrivately(spool, "y")
        record = ClaimRecord(entry: "y")
        record.owner = Self.submitter
        record.claimed = "y"
        try record.save(spool.layout)
        try FileSystem.makeDirectory(record.copyPath(spool.layout), mode: 0o700)
        try Data("copied".utf8).write(to: URL(fileURLWithPath: record.copyPath(spool.layout) + "/task.toml"))
        #expect(rename(spool.layout.incoming.path + "/y", record.hiddenPath(spool.layout)) == 0)
        #expect(try SpoolIntake.unfinishedClaims(spool.layout) == [record])
        guard case .claimed(let second) = try SpoolIntake.resumeClaim(record, layout: spool.layout) else {
            Issue.record("not claimed")
            return
        }
        #expect(second.url.lastPathComponent == "y" && second.owner == Self.submitter)
        #expect(try String(contentsOf: second.url.appendingPathComponent("task.toml"), encoding: .utf8) == "copied")
        #expect(Self.status(record.hiddenPath(spool.layout)) == nil)
        #expect(try SpoolIntake.pendingClaims(spool.layout).map(\.url.lastPathComponent) == ["x", "y"])
    }
}
