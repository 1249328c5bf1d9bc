import Foundation
import Glibc
import PTuning
@testable import Spool
import Testing

/// `SpoolIntake.extractArchive` on mutated `.tar` and `.tar.zst` bundles: each is unpacked or
/// refused with problems naming the archive, and either way nothing but regular files and folders
/// is written, all inside the target folder.
@Suite struct ArchiveFuzzTests {
    static let seeds: [[UInt8]] = {
        var plain = TarBuilder()
        plain.add("./", type: "5")
        plain.add("./task.toml", data: BundleFixture.sentimentManifest)
        plain.add("./train.jsonl", data: "{\"sentence\": \"a joy to watch\", \"label\": 1}\n")
        var extended = TarBuilder()
        extended.add("sst2/data/", type: "5")
        extended.addPaxPath("sst2/data/from-pax.jsonl")
        extended.add("ignored", data: "{}")
        extended.addLongName(Array("sst2/\(String(repeating: "d", count: 120))/train.jsonl".utf8))
        extended.add("short", data: "{\"a\": 1}\n")
        extended.add("sst2/a/b/c/d/e.txt", data: String(repeating: "x", count: 700))
        return [plain.archive, extended.archive]
    }()

    static let tokens: [[UInt8]] = [
        "ustar\u{0}00", "ustar  \u{0}", "0000644\u{0}", "00000001000\u{0}", "77777777777\u{0}", "0", "1", "2", "3",
        "4", "5", "6", "7", "L", "K", "x", "g", "/etc/", "./", "a/../../b", "30 path=../../../../../tmp/x\n",
        "11 size=-1\n", "20 size=99999999999\n", "13 path=/etc\n",
    ].map { Array($0.utf8) } + [[0x80, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF], [0xBF] + [UInt8](repeating: 0xFF, count: 11)]

    /// A folder to unpack in: memory-backed when the system has one, as extraction fsyncs every file.
    static func sandbox() throws -> ExtractionSandbox {
        let memory = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        return access(memory.path, W_OK) == 0 ? try ExtractionSandbox(in: memory) : try ExtractionSandbox()
    }

    @Test func everyArchiveIsUnpackedInsideItsTargetOrRefused() throws {
        let sandbox = try Self.sandbox()
        let small = ArchiveLimits(maxEntries: 8, maxDepth: 4, maxTotalBytes: 2_000)
        var fuzzer = Fuzzer(target: "archive", seeds: Self.seeds, mutator: ByteMutator(tokens: Self.tokens))
        fuzzer.maxInputBytes = 64 * 1024
        try fuzzer.run(defaultIterations: 2_000) { (bytes: [UInt8]) throws -> Fuzzer.Verdict in
            let choice = Fuzzer.stableHash(bytes.suffix(64)) % 20
            var archive = bytes
            if choice >= 2 { TarChecksums.repair(&archive) }
            let compressed = choice >= 12
            if compressed { archive = TarBuilder.zstd(archive, level: 1) }
            if choice == 19, !archive.isEmpty { archive[archive.count / 2] ^= 0x5A }
            let name = compressed ? "fuzz.tar.zst" : "fuzz.tar"
            let outcome = try sandbox.extract(archive, name: name, limits: choice % 2 == 0 ? small : ArchiveLimits())
            guard outcome.strays.isEmpty else { return .failed("wrote outside its target: \(outcome.strays)") }
            if outcome.problems.isEmpty { return .accepted }
            if let bad = outcome.problems.first(where: { $0.file != name || $0.message.isEmpty }) {
                return .failed("refused with a problem that does not name the archive: \(bad)")
            }
            return .rejected
        }
    }
}
