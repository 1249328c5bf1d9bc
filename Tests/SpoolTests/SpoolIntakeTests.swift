import Base
import Foundation
import Glibc
import PTuning
@testable import Spool
import Testing

@Suite struct SpoolScanTests {
    @Test func listsFoldersAndArchivesInOrderOfArrivalAndSkipsTheRest() throws {
        let spool = try SpoolFixture()
        let incoming = "spool/incoming/"
        /// Moves `name` from the base folder into incoming/, as a writer finishing in tmp/ does.
        func arrive(_ name: String) throws {
            try FileManager.default.moveItem(at: spool.base.appendingPathComponent(name),
                                             to: spool.layout.incoming.appendingPathComponent(name))
            usleep(20_000)
        }
        try spool.write("old/task.toml")
        try spool.write("b.tar")
        try spool.write("a.tar.zst")
        try arrive("old")
        try arrive("b.tar")
        try arrive("a.tar.zst")
        try spool.write(incoming + ".hidden/task.toml")
        try spool.write(incoming + ".c.tar")
        try spool.write(incoming + "notes.txt")
        try spool.write(incoming + ".tar")
        try spool.write("spool/tmp/d.tar")
        symlink("old", spool.layout.incoming.path + "/link")
        #expect(try SpoolIntake.scanIncoming(spool.layout) == ["old", "b.tar", "a.tar.zst"])
        try FileManager.default.moveItem(at: spool.layout.incoming.appendingPathComponent("old"),
                                         to: spool.base.appendingPathComponent("old"))
        try arrive("old")
        #expect(try SpoolIntake.scanIncoming(spool.layout) == ["b.tar", "a.tar.zst", "old"])
    }
}

@Suite struct SpoolSettleTests {
    static func touch(_ path: String, _ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    @Test func anEntryChangedWithinTheQuietPeriodWaits() throws {
        let spool = try SpoolFixture()
        let incoming = spool.layout.incoming.path
        try spool.write("spool/incoming/fresh.tar", "being written")
        try spool.write("spool/incoming/old.tar", "written long ago")
        Self.touch(incoming + "/old.tar", 1_000)
        let fresh = SpoolIntake.lastChange(incoming + "/fresh.tar")
        let now = fresh.addingTimeInterval(0.25)
        let (ready, next) = SpoolIntake.settled(["fresh.tar", "old.tar"], layout: spool.layout, quietFor: 1, now: now)
        #expect(ready == ["old.tar"])
        #expect(next == fresh.addingTimeInterval(1))
        let later = SpoolIntake.settled(["fresh.tar", "old.tar"], layout: spool.layout, quietFor: 1, now: now.addingTimeInterval(1))
        #expect(later.ready == ["fresh.tar", "old.tar"] && later.nextCheck == nil)
        let seenWhole = SpoolIntake.settled(["fresh.tar", "old.tar"], whole: ["fresh.tar"], layout: spool.layout,
                                            quietFor: 1, now: now)
        #expect(seenWhole.ready == ["fresh.tar", "old.tar"] && seenWhole.nextCheck == nil)
    }

    @Test func aFolderWaitsForItsNewestFileAtAnyDepth() throws {
        let spool = try SpoolFixture()
        let folder = spool.layout.incoming.path + "/copying"
        try spool.write("spool/incoming/copying/task.toml")
        try spool.write("spool/incoming/copying/data/deep/train.jsonl")
        for path in [folder, folder + "/task.toml", folder + "/data", folder + "/data/deep"] { Self.touch(path, 1_000) }
        Self.touch(folder + "/data/deep/train.jsonl", 5_000)
        #expect(SpoolIntake.lastChange(folder) == Date(timeIntervalSince1970: 5_000))
        let now = Date(timeIntervalSince1970: 5_000.5)
        #expect(SpoolIntake.settled(["copying"], layout: spool.layout, quietFor: 1, now: now).ready.isEmpty)
        #expect(SpoolIntake.settled(["copying"], layout: spool.layout, quietFor: 1, now: now + 1).ready == ["copying"])
    }

    /// The daemon reads `now` and then looks at the entries: a file written in between is newer than
    /// `now`, and is still being written.
    @Test func aWriteJustAfterNowIsNotSettled() throws {
        let spool = try SpoolFixture()
        try spool.write("spool/incoming/copying/task.toml")
        Self.touch(spool.layout.incoming.path + "/copying/task.toml", 8_001)
        Self.touch(spool.layout.incoming.path + "/copying", 8_001)
        let now = Date(timeIntervalSince1970: 8_000)
        let result = SpoolIntake.settled(["copying"], layout: spool.layout, quietFor: 1, now: now)
        #expect(result.ready.isEmpty)
        #expect(result.nextCheck == Date(timeIntervalSince1970: 8_002))
    }

    @Test func aTimeInTheFutureCountsAsSettled() throws {
        let spool = try SpoolFixture()
        try spool.write("spool/incoming/ahead.tar")
        Self.touch(spool.layout.incoming.path + "/ahead.tar", 9_000)
        let now = Date(timeIntervalSince1970: 8_000)
        #expect(SpoolIntake.settled(["ahead.tar"], layout: spool.layout, quietFor: 1, now: now).ready == ["ahead.tar"])
    }
}

@Suite struct SpoolClaimTests {
    @Test func oneOfTwoClaimersWinsEachEntry() async throws {
        let spool = try SpoolFixture()
        let names = (1...40).map { "bundle\($0)" }
        for name in names { try spool.drop(name) }
        let layout = spool.layout
        let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for name in names {
                for _ in 0..<2 {
                    group.addTask { (name, try SpoolIntake.claim(name, layout: layout).claimedURL != nil) }
                }
            }
            return try await group.reduce(into: [String: Int]()) { wins, result in
                wins[result.0, default: 0] += result.1 ? 1 : 0
            }
        }
        #expect(results.count == names.count)
        #expect(results.values.allSatisfy { $0 == 1 })
        #expect(try SpoolIntake.scanIncoming(layout).isEmpty)
        #expect(try SpoolIntake.pendingClaims(layout).count == names.count)
    }

    @Test func claimsUnderAFreshNameWhenTakenAndReturnsNilWhenGone() throws {
        let spool = try SpoolFixture()
        try spool.drop("x")
        let first = try #require(try SpoolIntake.claim("x", layout: spool.layout).claimedURL)
        #expect(first.path == spool.layout.claims.path + "/x")
        try spool.drop("x")
        let second = try #require(try SpoolIntake.claim("x", layout: spool.layout).claimedURL)
        #expect(second.lastPathComponent == "x-2")
        try spool.write("spool/incoming/a.tar.zst")
        try spool.write("spool/active/claims/a.tar.zst")
        #expect(try SpoolIntake.claim("a.tar.zst", layout: spool.layout).claimedURL?.lastPathComponent == "a-2.tar.zst")
        #expect(try SpoolIntake.claim("x", layout: spool.layout).claimedURL == nil)
        #expect(throws: FileError.self) { try SpoolIntake.claim("../done", layout: spool.layout).claimedURL }
    }

    @Test func noClaimedCopyIsNamedLikeAnUnpackedArchive() throws {
        let spool = try SpoolFixture()
        try spool.drop("a.tar.unpacked")
        let claimed = try #require(try SpoolIntake.claim("a.tar.unpacked", layout: spool.layout).claimedURL)
        #expect(claimed.lastPathComponent == "a.tar_unpacked")
        let longest = String(repeating: "x", count: 255 - SpoolIntake.unpackedSuffix.count) + SpoolIntake.unpackedSuffix
        try FileManager.default.moveItem(at: try spool.bundle(".staged"), to: spool.layout.incoming.appendingPathComponent(longest))
        #expect(try SpoolIntake.claim(longest, layout: spool.layout).claimedURL?.lastPathComponent.utf8.count == 255)
    }
}

@Suite struct SpoolRejectTests {
    let problems = [TaskProblem(file: "task.toml", line: 3, field: "kind", message: "unknown kind \"sort\"",
                                hint: "use classify, fill or choice"),
                    TaskProblem(file: "train.jsonl", message: "not found")]

    @Test func rejectsAFolderWithBothReasonFilesAndKeepsTheBundle() throws {
        let spool = try SpoolFixture()
        try spool.drop("sst2")
        let claimed = try #require(try SpoolIntake.claim("sst2", layout: spool.layout).claimedURL)
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let folder = try SpoolIntake.reject(claimed: claimed, problems: problems, layout: spool.layout, at: date)
        #expect(folder.path == spool.layout.rejected.path + "/sst2")
        #expect(FileManager.default.fileExists(atPath: folder.path + "/task.toml"))
        #expect(FileManager.default.fileExists(atPath: folder.path + "/data/train.jsonl"))
        #expect(!SpoolFixture.exists(claimed))

        let report = try RejectionReport.decode(Data(contentsOf: folder.appendingPathComponent("reason.json")))
        #expect(report == RejectionReport(name: "sst2", rejectedAt: date, problems: problems))
        let json = try String(contentsOf: folder.appendingPathComponent("reason.json"), encoding: .utf8)
        #expect(json.contains("\"rejected_at\" : \"2023-11-14T22:13:20Z\""))
        let text = try String(contentsOf: folder.appendingPathComponent("reason.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.contains("  - task.toml:3: kind: unknown kind \"sort\" (use classify, fill or choice)"))
        #expect(lines.contains("  - train.jsonl: not found"))
        #expect(text.contains("ptune submit"))
    }

    @Test func rejectsAnArchiveInsideItsOwnFolderUnderAFreshName() throws {
        let spool = try SpoolFixture()
        try FileManager.default.createDirectory(at: spool.layout.rejected.appendingPathComponent("big"),
                                                withIntermediateDirectories: false)
        try spool.write("spool/incoming/big.tar.zst", "archive bytes")
        let claimed = try #require(try SpoolIntake.claim("big.tar.zst", layout: spool.layout).claimedURL)
        let duplicate = TaskProblem(file: "big.tar.zst", message: "the same bundle was already submitted as job ab12; see done/ab12")
        let folder = try SpoolIntake.reject(claimed: claimed, problems: [duplicate], layout: spool.layout)
        #expect(folder.lastPathComponent == "big-2")
        #expect(try String(contentsOf: folder.appendingPathComponent("big.tar.zst"), encoding: .utf8) == "archive bytes")
        #expect(try RejectionReport.decode(Data(contentsOf: folder.appendingPathComponent("reason.json"))).problems == [duplicate])
        #expect(FileManager.default.fileExists(atPath: folder.path + "/reason.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.layout.tmp.path).isEmpty)
    }
}

@Suite struct SpoolJobMoveTests {
    @Test func adoptsAClaimAndFinishesTheJobWhole() throws {
        let spool = try SpoolFixture()
        try spool.drop("sst2")
        let claimed = try #require(try SpoolIntake.claim("sst2", layout: spool.layout).claimedURL)
        let job = try SpoolIntake.adopt(claimed: claimed, jobID: "ab12", layout: spool.layout)
        #expect(job.path == spool.layout.active.path + "/ab12")
        #expect(FileManager.default.fileExists(atPath: job.path + "/bundle/task.toml"))
        #expect(try SpoolIntake.adopt(claimed: claimed, jobID: "ab12", layout: spool.layout) == job)
        try spool.write("spool/active/ab12/report.json", "{}")

        let done = try SpoolIntake.finish("ab12", to: .done, layout: spool.layout)
        #expect(done.path == spool.layout.done.path + "/ab12")
        #expect(FileManager.default.fileExists(atPath: done.path + "/report.json"))
        #expect(FileManager.default.fileExists(atPath: done.path + "/bundle/task.toml"))
        #expect(!SpoolFixture.exists(job))
        #expect(try SpoolIntake.finish("ab12", to: .done, layout: spool.layout) == done)
    }

    @Test func finishesIntoFailedAndRefusesBadJobIDs() throws {
        let spool = try SpoolFixture()
        try spool.write("spool/incoming/x.tar")
        let claimed = try #require(try SpoolIntake.claim("x.tar", layout: spool.layout).claimedURL)
        try SpoolIntake.adopt(claimed: claimed, jobID: "cd34", layout: spool.layout)
        #expect(FileManager.default.fileExists(atPath: spool.layout.active.path + "/cd34/bundle"))
        let failed = try SpoolIntake.finish("cd34", to: .failed, layout: spool.layout)
        #expect(failed.path == spool.layout.failed.path + "/cd34")
        #expect(try SpoolIntake.finish("cd34", to: .failed, layout: spool.layout) == failed)
        #expect(throws: FileError.self) { try SpoolIntake.adopt(claimed: claimed, jobID: "claims", layout: spool.layout) }
        #expect(throws: FileError.self) { try SpoolIntake.adopt(claimed: claimed, jobID: "a/b", layout: spool.layout) }
        #expect(throws: FileError.self) { try SpoolIntake.finish("gone", to: .done, layout: spool.layout) }
    }
}
