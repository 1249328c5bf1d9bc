import Base
import Foundation
import PTuning
@testable import Spool
import Testing

@Suite struct ArchiveTests {
    /// Runs `tool` with `arguments` in `directory`, failing the test when it fails.
    func run(_ tool: String, _ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(tool) \(arguments)")
    }

    /// The problems extracting `bytes` as `NAME` reports.
    func problems(_ bytes: [UInt8], name: String = "bad.tar", limits: ArchiveLimits = ArchiveLimits()) throws -> [TaskProblem] {
        let spool = try SpoolFixture()
        let file = spool.base.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        let target = spool.base.appendingPathComponent("out")
        do {
            try SpoolIntake.extractArchive(file: file, into: target, limits: limits)
            return []
        } catch {
            #expect(!SpoolFixture.exists(target))
            return error.problems
        }
    }

    @Test func extractsATarMadeByTarUnwrappingItsOnlyFolder() throws {
        let spool = try SpoolFixture()
        _ = try spool.bundle("sst2")
        try run("/usr/bin/tar", ["-cf", "sst2.tar", "sst2"], in: spool.base)
        let root = try SpoolIntake.extractArchive(file: spool.base.appendingPathComponent("sst2.tar"),
                                                  into: spool.base.appendingPathComponent("out"))
        #expect(root.path == spool.base.path + "/out/sst2")
        #expect(try String(contentsOf: root.appendingPathComponent("data/train.jsonl"), encoding: .utf8) == "{\"a\": 1}\n")
    }

    @Test func extractsATarZstMadeByTheTools() throws {
        let spool = try SpoolFixture()
        let bundle = try spool.bundle("sst2")
        let long = String(repeating: "d", count: 120)
        try spool.write("sst2/\(long)/\(long).jsonl", String(repeating: "{\"a\": 2}\n", count: 5_000))
        try run("/usr/bin/tar", ["-cf", "../sst2.tar", "."], in: bundle)
        try run("/usr/bin/zstd", ["-q", "sst2.tar", "-o", "sst2.tar.zst"], in: spool.base)
        let root = try SpoolIntake.extractArchive(file: spool.base.appendingPathComponent("sst2.tar.zst"),
                                                  into: spool.base.appendingPathComponent("out"))
        #expect(root.path == spool.base.path + "/out")
        #expect(FileManager.default.fileExists(atPath: root.path + "/task.toml"))
        let data = try Data(contentsOf: root.appendingPathComponent("\(long)/\(long).jsonl"))
        #expect(data.count == 5_000 * 9)
    }

    @Test func readsPaxPathsAndUstarPrefixes() throws {
        var tar = TarBuilder()
        tar.addPaxPath("data/from-pax.jsonl")
        tar.add("ignored", data: "pax")
        tar.add("task.toml", data: "t")
        let spool = try SpoolFixture()
        let file = spool.base.appendingPathComponent("p.tar")
        try Data(tar.archive).write(to: file)
        let root = try SpoolIntake.extractArchive(file: file, into: spool.base.appendingPathComponent("out"))
        #expect(try String(contentsOf: root.appendingPathComponent("data/from-pax.jsonl"), encoding: .utf8) == "pax")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/ignored"))
    }

    @Test(arguments: [
        ("/etc/cron.d/x", Character("0"), "\"/etc/cron.d/x\" has an absolute path"),
        ("data/../../escape", "0", "\"data/../../escape\" has a .. component"),
        ("link.jsonl", "2", "\"link.jsonl\" is a symbolic link"),
        ("hard.jsonl", "1", "\"hard.jsonl\" is a hard link"),
        ("null", "3", "\"null\" is a device"),
        ("disk", "4", "\"disk\" is a device"),
        ("pipe", "6", "\"pipe\" is a FIFO"),
    ])
    func rejectsAHostileEntryNamingIt(name: String, type: Character, message: String) throws {
        var tar = TarBuilder()
        tar.add("task.toml", data: "t")
        tar.add(name, type: type, link: type == "1" || type == "2" ? "/etc/passwd" : "")
        let found = try problems(tar.archive)
        #expect(found.map(\.message) == ["entry \(message)"])
        #expect(found.allSatisfy { $0.file == "bad.tar" })
    }

    @Test func rejectsANameThatIsNotUTF8() throws {
        var tar = TarBuilder()
        tar.add(name: Array("caf".utf8) + [0xE9, 0x2E, 0x6A])
        #expect(try problems(tar.archive).map(\.message) == ["entry \"caf\\xE9.j\" has a name that is not valid UTF-8"])
    }

    @Test func rejectsAnEntryThatAppearsTwiceAndAnExistingTarget() throws {
        var tar = TarBuilder()
        tar.add("task.toml", data: "a")
        tar.add("./task.toml", data: "b")
        #expect(try problems(tar.archive).map(\.message) == ["entry \"./task.toml\" appears twice in the archive"])
        let spool = try SpoolFixture()
        let file = spool.base.appendingPathComponent("ok.tar")
        try Data(TarBuilder().archive).write(to: file)
        let error = try #require(throws: TaskProblems.self) {
            try SpoolIntake.extractArchive(file: file, into: spool.layout.tmp)
        }
        #expect(error.problems.map(\.message) == ["cannot unpack: \(spool.layout.tmp.path) exists already"])
        #expect(SpoolFixture.exists(spool.layout.tmp))
    }

    @Test func rejectsTooManyEntriesAndDeepNesting() throws {
        var many = TarBuilder()
        for index in 0..<5 { many.add("f\(index)", data: "x") }
        #expect(try problems(many.archive, limits: ArchiveLimits(maxEntries: 4)).map(\.message)
                    == ["the archive has more than 4 entries"])
        var deep = TarBuilder()
        let path = (1...17).map { "d\($0)" }.joined(separator: "/")
        deep.add(path, data: "x")
        #expect(try problems(deep.archive).map(\.message) == ["entry \"\(path)\" is nested 17 levels deep; the limit is 16"])
        var ok = TarBuilder()
        ok.add((1...16).map { "d\($0)" }.joined(separator: "/"), data: "x")
        #expect(try problems(ok.archive).isEmpty)
    }

    @Test func stopsATarZstThatExpandsPastTheCapWhileStreaming() throws {
        var tar = TarBuilder()
        let zeros = [UInt8](repeating: 0, count: 300_000)
        for index in 0..<3 { tar.add(name: Array("part\(index)".utf8), data: zeros) }
        let compressed = TarBuilder.zstd(tar.archive)
        #expect(compressed.count < 2_000)
        let found = try problems(compressed, name: "bomb.tar.zst", limits: ArchiveLimits(maxTotalBytes: 500_000))
        #expect(found.map(\.message) == ["entry \"part1\" would unpack past 488.3 KiB"])
    }

    @Test func stopsAHeaderThatClaimsAHugeSizeBeforeReadingIt() throws {
        var tar = TarBuilder()
        tar.add(name: Array("huge".utf8), type: "5", size: 1 << 32)
        let found = try problems(TarBuilder.zstd(tar.archive), name: "bomb.tar.zst")
        #expect(found.map(\.message) == ["entry \"huge\" would unpack past 1 GiB"])
    }

    @Test func reportsDamagedAndTruncatedArchives() throws {
        var tar = TarBuilder()
        tar.add("task.toml", data: String(repeating: "t", count: 2_000))
        #expect(try problems(Array(tar.archive.prefix(1_000))).map(\.message) == ["the archive is truncated"])
        #expect(try problems(Array("not a tar at all".utf8) + [UInt8](repeating: 1, count: 600)).map(\.message)
                    == ["not a tar archive"])
        #expect(try problems(Array(TarBuilder.zstd(tar.archive).dropLast(10)), name: "t.tar.zst").map(\.message)
                    == ["the zstd stream is truncated"])
        #expect(try problems(tar.archive, name: "t.tar.zst").first?.message.hasPrefix("not a valid zstd stream") == true)
    }
}
