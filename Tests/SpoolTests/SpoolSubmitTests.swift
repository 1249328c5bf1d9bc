import Base
import Foundation
import Glibc
@testable import Spool
import Testing

@Suite struct SpoolSubmitTests {
    @Test func copiesAFolderThroughTmpIntoIncoming() throws {
        let spool = try SpoolFixture()
        let source = try spool.bundle("sst2")
        #expect(try SpoolIntake.submit(source: source, layout: spool.layout) == "sst2")
        #expect(try SpoolIntake.submit(source: source, layout: spool.layout) == "sst2-2")
        #expect(try SpoolIntake.submit(source: source, layout: spool.layout) == "sst2-3")
        let copy = spool.layout.incoming.appendingPathComponent("sst2")
        #expect(try String(contentsOf: copy.appendingPathComponent("data/train.jsonl"), encoding: .utf8) == "{\"a\": 1}\n")
        #expect(SpoolFixture.mode(copy) & 0o777 == 0o700)
        #expect(SpoolFixture.mode(copy.appendingPathComponent("task.toml")) == 0o600)
        #expect(FileManager.default.fileExists(atPath: source.path + "/task.toml"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.layout.incoming.path).allSatisfy { !$0.hasPrefix(".") })
        #expect(try SpoolIntake.scanIncoming(spool.layout).sorted() == ["sst2", "sst2-2", "sst2-3"])
    }

    @Test func theCopyKeepsModificationTimesSoItNeedNotSettle() throws {
        let spool = try SpoolFixture()
        let source = try spool.bundle("kept")
        for path in ["", "/task.toml", "/data", "/data/train.jsonl"] { SpoolSettleTests.touch(source.path + path, 1_000) }
        let name = try SpoolIntake.submit(source: source, layout: spool.layout)
        #expect(SpoolIntake.lastChange(spool.layout.incoming.path + "/" + name) == Date(timeIntervalSince1970: 1_000))
        #expect(SpoolIntake.settled([name], layout: spool.layout, quietFor: 1, now: Date()).ready == [name])
    }

    @Test func aSubmissionAbandonedHalfCopiedIsRemovedOnceOld() throws {
        let spool = try SpoolFixture()
        try spool.write("spool/incoming/.submitting-x.AbCdEf/task.toml")
        try spool.write("spool/incoming/.kept-by-someone/task.toml")
        #expect(try SpoolIntake.removeAbandonedSubmissions(spool.layout, olderThan: 3600).isEmpty)
        let later = Date().addingTimeInterval(7200)
        #expect(try SpoolIntake.removeAbandonedSubmissions(spool.layout, olderThan: 3600, now: later) == [".submitting-x.AbCdEf"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.layout.incoming.path) == [".kept-by-someone"])
    }

    @Test func copiesAnArchiveKeepingItsExtension() throws {
        let spool = try SpoolFixture()
        let archive = try spool.write("up/x.tar.zst", "zstd bytes")
        #expect(try SpoolIntake.submit(source: archive, layout: spool.layout) == "x.tar.zst")
        #expect(try SpoolIntake.submit(source: archive, layout: spool.layout) == "x-2.tar.zst")
        #expect(try String(contentsOf: spool.layout.incoming.appendingPathComponent("x-2.tar.zst"), encoding: .utf8) == "zstd bytes")
    }

    @Test func refusesASymlinkInsideTheBundleNamingIt() throws {
        let spool = try SpoolFixture()
        let source = try spool.bundle("sst2")
        symlink("/etc/passwd", source.path + "/data/secret.jsonl")
        let error = try #require(throws: FileError.self) { try SpoolIntake.submit(source: source, layout: spool.layout) }
        #expect(error.message.contains("\"data/secret.jsonl\" is a symbolic link"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.layout.incoming.path).allSatisfy { !$0.hasPrefix(".") })
        #expect(try SpoolIntake.scanIncoming(spool.layout).isEmpty)
    }

    @Test func refusesAFIFO() throws {
        let spool = try SpoolFixture()
        let source = try spool.bundle("sst2")
        mkfifo(source.path + "/pipe", 0o600)
        let error = try #require(throws: FileError.self) { try SpoolIntake.submit(source: source, layout: spool.layout) }
        #expect(error.message.contains("\"pipe\" is a FIFO"))
    }

    @Test func refusesWhatIsNotABundleAndASpoolWithoutIncoming() throws {
        let spool = try SpoolFixture()
        let text = try spool.write("notes.txt")
        #expect(throws: FileError.self) { try SpoolIntake.submit(source: text, layout: spool.layout) }
        let missing = SpoolLayout(root: spool.base.appendingPathComponent("nowhere"))
        let error = try #require(throws: FileError.self) {
            try SpoolIntake.submit(source: try spool.bundle("b"), layout: missing)
        }
        #expect(error.description.contains("ptune serve --spool"))
    }
}
