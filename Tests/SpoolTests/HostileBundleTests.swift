import Foundation
import Glibc
import PTuning
@testable import Spool
import Testing

/// Bundles made to break the daemon, each refused with a message that names the problem.
///
/// Items covered elsewhere, not repeated here:
/// - `..` in an entry path, an absolute path, a symbolic link, a hard link, a character or block
///   device, a FIFO: `ArchiveTests.rejectsAHostileEntryNamingIt`.
/// - A decompression bomb: `ArchiveTests.stopsATarZstThatExpandsPastTheCapWhileStreaming` (a
///   1.6 KiB .tar.zst expanding to 900 KB against a 500 KB cap) and
///   `ArchiveTests.stopsAHeaderThatClaimsAHugeSizeBeforeReadingIt` (4 GiB claimed against the
///   default 1 GiB `ArchiveLimits.maxTotalBytes`, refused before any data is read).
/// - Deep nesting (and too many entries): `ArchiveTests.rejectsTooManyEntriesAndDeepNesting`.
/// - An entry name that is not UTF-8: `ArchiveTests.rejectsANameThatIsNotUTF8`.
/// - A line over the line-size cap, with a lowered cap: `BundleLoaderTests.enforcesFileAndLineSizeCaps`.
/// - `learning_rate = nan`, `clip_norm = -inf`, negative `weight_decay` and `seeds`:
///   `ManifestReaderTests.hyperparametersOutOfRange`; limits: `ManifestReaderTests.limitsOutOfRange`.
/// - Unknown keys with a suggestion: `ManifestReaderTests.unknownTopLevelKeySuggestsTheClosest`,
///   `unknownKeyInATableSuggestsTheClosest`, `unknownKeyFarFromAnyValidOneHasNoSuggestion`.
/// - A template naming a field the records lack: `RecordValidatorTests.reportsAMissingTemplateFieldOnItsLine`,
///   `TSVParserTests` (missing from the header), `BundleLoaderTests.capsRepeatedProblemsPerFile`.
/// - A symbolic link to a data file inside a folder bundle: `BundleFileReaderTests.rejectsASymlinkedFileEvenInsideTheBundle`;
///   a linked folder and FIFOs read directly: `BundleFileReaderTests.rejectsASymlinkedFolderOnThePath`,
///   `rejectsDirectoriesAndFIFOs`, `rejectsADevice`.
@Suite struct HostileBundleTests {
    // MARK: Archives

    /// Hostile entries, each after a harmless file so that extraction has started writing.
    static let hostileEntries: [(name: String, type: Character, message: String)] = [
        ("../escaped", "0", "\"../escaped\" has a .. component"),
        ("data/../../../escaped", "0", "\"data/../../../escaped\" has a .. component"),
        ("link", "2", "\"link\" is a symbolic link"),
        ("hard", "1", "\"hard\" is a hard link"),
        ("tty", "3", "\"tty\" is a device"),
        ("disk", "4", "\"disk\" is a device"),
        ("pipe", "6", "\"pipe\" is a FIFO"),
    ]

    @Test(arguments: hostileEntries)
    func aRefusedArchiveLeavesNothingBehind(entry: (name: String, type: Character, message: String)) throws {
        let sandbox = try ExtractionSandbox()
        var tar = TarBuilder()
        tar.add("task.toml", data: "name = \"x\"\n")
        tar.add(entry.name, type: entry.type, data: entry.type == "0" ? "escaped" : "", link: "../../escaped")
        tar.add("link/after.jsonl", data: "{}")
        for name in ["bundle.tar", "bundle.tar.zst"] {
            let bytes = name.hasSuffix(".zst") ? TarBuilder.zstd(tar.archive) : tar.archive
            let outcome = try sandbox.extract(bytes, name: name)
            #expect(outcome.problems.map(\.description) == ["\(name): entry \(entry.message)"
                + " (\(entry.type == "0" ? "archive the bundle with relative paths: tar -C PARENT -cf NAME.tar NAME" : "an archived bundle holds regular files and folders only"))"])
            #expect(outcome.strays.isEmpty)
        }
    }

    @Test func anAbsolutePathIsNeverWritten() throws {
        let sandbox = try ExtractionSandbox()
        let absolute = sandbox.inner.appendingPathComponent("escaped").path
        var tar = TarBuilder()
        tar.add("task.toml", data: "t")
        tar.add(absolute, data: "escaped")
        let outcome = try sandbox.extract(tar.archive, name: "abs.tar")
        #expect(outcome.problems.map(\.message) == ["entry \"\(absolute)\" has an absolute path"])
        #expect(outcome.strays.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: absolute))
    }

    @Test func aDotDotPathFromAnExtendedHeaderIsRefused() throws {
        let sandbox = try ExtractionSandbox()
        var pax = TarBuilder()
        pax.addPaxPath("../../escaped")
        pax.add("harmless", data: "x")
        var gnu = TarBuilder()
        gnu.addLongName(Array("ok/../../escaped".utf8))
        gnu.add("harmless", data: "x")
        #expect(try sandbox.extract(pax.archive, name: "pax.tar").problems.map(\.message)
                    == ["entry \"../../escaped\" has a .. component"])
        let outcome = try sandbox.extract(gnu.archive, name: "gnu.tar")
        #expect(outcome.problems.map(\.message) == ["entry \"ok/../../escaped\" has a .. component"])
        #expect(outcome.strays.isEmpty)
    }

    @Test func anExtendedHeaderClaimingAHugeSizeIsStoppedBeforeReadingIt() throws {
        let sandbox = try ExtractionSandbox()
        var tar = TarBuilder()
        tar.addPaxRecord("size", String(1 << 40))
        tar.add("task.toml", data: "t")
        let outcome = try sandbox.extract(TarBuilder.zstd(tar.archive), name: "bomb.tar.zst")
        #expect(outcome.problems.map(\.message) == ["entry \"task.toml\" would unpack past 1 GiB"])
        #expect(outcome.strays.isEmpty)
    }

    @Test func extendedHeadersPastTheirCapAreNotBuffered() throws {
        let sandbox = try ExtractionSandbox()
        var tar = TarBuilder()
        tar.add(name: Array("PaxHeader".utf8), type: "x", size: TarReader.maxMetadataBytes + 1)
        let outcome = try sandbox.extract(TarBuilder.zstd(tar.archive), name: "meta.tar.zst")
        #expect(outcome.problems.map(\.message) == ["the extended headers exceed 16 MiB"])
        var longNames = TarBuilder()
        let name = [UInt8](repeating: UInt8(ascii: "n"), count: 1 << 20)
        for _ in 0..<17 { longNames.addLongName(name) }
        let compressed = TarBuilder.zstd(longNames.archive)
        #expect(compressed.count < 64 * 1024)
        #expect(try sandbox.extract(compressed, name: "names.tar.zst").problems.map(\.message)
                    == ["the extended headers exceed 16 MiB"])
    }

    @Test func aPaxRecordWhoseLengthOverflowsIsMalformed() throws {
        let sandbox = try ExtractionSandbox()
        var tar = TarBuilder()
        tar.add(name: Array("PaxHeader".utf8), type: "x",
                data: Array("12 path=a.x\n\(Int.max) size=1\n".utf8))
        tar.add("task.toml", data: "t")
        #expect(try sandbox.extract(tar.archive, name: "pax.tar").problems.map(\.message)
                    == ["an extended header is malformed"])
    }

    // MARK: Folder bundles

    @Test func aManifestLinkedFromOutsideIsNotFollowed() throws {
        let fixture = try BundleFixture.sentiment()
        let outside = try BundleFixture()
        let secret = try outside.write("task.toml", BundleFixture.sentimentManifest)
        let manifest = fixture.root.appendingPathComponent("task.toml")
        try FileManager.default.removeItem(at: manifest)
        try FileManager.default.createSymbolicLink(at: manifest, withDestinationURL: secret)
        #expect(fixture.problems().map(\.description) == [
            "task.toml: \"task.toml\" is a symbolic link (a bundle holds its data as regular files inside its folder)",
        ])
    }

    @Test func dataLinkedFromOutsideIsNotFollowed() throws {
        let outside = try BundleFixture()
        let secret = try outside.write("secret.jsonl", "{\"sentence\": \"secret\", \"label\": 1}\n")
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + "[data]\ntrain = \"data/train.jsonl\"\n")
        try FileManager.default.createSymbolicLink(at: fixture.root.appendingPathComponent("data"), withDestinationURL: outside.root)
        try FileManager.default.createSymbolicLink(at: outside.root.appendingPathComponent("train.jsonl"), withDestinationURL: secret)
        #expect(fixture.problems().map(\.description) == [
            "data/train.jsonl: \"data\" in \"data/train.jsonl\" is a symbolic link (a bundle holds its data as regular files inside its folder)",
        ])
        let dev = fixture.root.appendingPathComponent("dev.jsonl")
        try FileManager.default.createSymbolicLink(at: dev, withDestinationURL: secret)
        #expect(fixture.problems().map(\.description).last
                    == "dev.jsonl: \"dev.jsonl\" is a symbolic link (a bundle holds its data as regular files inside its folder)")
    }

    @Test func aFIFOInAFolderBundleIsRefusedWithoutBlocking() throws {
        let fixture = try BundleFixture.sentiment()
        for name in ["train.jsonl", "task.toml"] {
            let url = fixture.root.appendingPathComponent(name)
            try FileManager.default.removeItem(at: url)
            #expect(mkfifo(url.path, 0o600) == 0)
        }
        #expect(fixture.problems().map(\.description) == [
            "task.toml: \"task.toml\" is a FIFO (a bundle holds its data as regular files inside its folder)",
        ])
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("task.toml"))
        try fixture.write("task.toml", BundleFixture.sentimentManifest)
        #expect(fixture.problems().map(\.description) == [
            "train.jsonl: \"train.jsonl\" is a FIFO (a bundle holds its data as regular files inside its folder)",
        ])
    }

    // MARK: Data files

    @Test func aLineOverTheDefaultCapIsNamedAndTheRestStillRead() throws {
        let fixture = try BundleFixture.sentiment()
        let opening = "{\"sentence\": \"", closing = "\", \"label\": 1}"
        let huge = opening + String(repeating: "x", count: (2 << 20) - opening.utf8.count - closing.utf8.count) + closing
        try fixture.write("train.jsonl", "{\"sentence\": \"fine\", \"label\": 1}\n\(huge)\n{\"sentence\": \"fine\", \"label\": 7}\n")
        #expect(fixture.problems().map(\.description) == [
            "train.jsonl:2: line is 2 MiB; the limit is 1 MiB",
            "train.jsonl:3: label: label \"7\" has no label word (known labels: 0, 1; add it to [labels])",
        ])
    }

    @Test func oneBadLineInAHundredThousandIsNamed() throws {
        let fixture = try BundleFixture.sentiment()
        var lines = (1...100_000).map { "{\"sentence\": \"review \($0)\", \"label\": \($0 % 2)}" }
        lines[73_420] = "{\"sentence\": \"review 73421\", \"label\": 1"
        try fixture.write("train.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(fixture.problems().map(\.description) == [
            "train.jsonl:73421: not valid JSON (each line must be one JSON object, e.g. {\"sentence\": \"...\", \"label\": 1})",
        ])
    }

    // MARK: Manifest

    @Test func nonFiniteAndNegativeSettingsAreRefused() throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + """
            [training]
            learning_rate = inf
            batch_size = -1
            epoch_decay = nan
            weight_decay = -inf
            warmup_steps = -5
            max_steps = 9223372036854775807
            [limits]
            threads = -1
            memory_mb = inf
            priority = -21
            wall_time = -3
            [encoder]
            hidden_size = -1

            """)
        #expect(fixture.problems().map(\.description) == [
            "task.toml:22: encoder.hidden_size: -1 is out of range (allowed: 0...8192)",
            "task.toml:15: training.max_steps: 9223372036854775807 is out of range (allowed: 1...1000000000)",
            "task.toml:11: training.batch_size: -1 is out of range (allowed: 1...65536)",
            "task.toml:10: training.learning_rate: must be a finite number (allowed: greater than 0)",
            "task.toml:13: training.weight_decay: must be a finite number (allowed: 0 or more)",
            "task.toml:14: training.warmup_steps: -5 is out of range (allowed: 0...1000000000)",
            "task.toml:12: training.epoch_decay: must be a finite number (allowed: greater than 0, at most 1)",
            "task.toml:17: limits.threads: -1 is out of range (allowed: 1...1024)",
            "task.toml:18: limits.memory_mb: expected an integer, found a floating-point number",
            "task.toml:19: limits.priority: -21 is out of range (allowed: -20...20)",
            "task.toml:20: limits.wall_time: -3 is out of range (allowed: seconds (an integer above 0) or a duration such as \"90m\", \"2h\", \"1h30m\"; at most 365 days)",
        ])
    }

    @Test func aWallTimeBeyondAYearIsRefusedInSecondsAndAsADuration() throws {
        for (value, message) in [("9223372036854775807", "9223372036854775807 is out of range"),
                                 ("\"400d\"", "\"400d\" is not a duration of at most 365 days")] {
            let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + "[limits]\nwall_time = \(value)\n")
            #expect(fixture.problems().about("limits.wall_time")?.description.contains(message) == true, "\(value)")
        }
    }

    @Test func aChoiceMarginOfNaNAndAnIntegerPastInt64AreRefused() throws {
        let choice = """
            name = "copa"
            model = "m"
            kind = "choice"
            template = "[P] {premise}{target}"
            [choice]
            fields = ["choice1", "choice2"]
            margin = nan

            """
        #expect(try BundleFixture.sentiment(manifest: choice).problems().about("choice.margin")?.description
                    == "task.toml:7: choice.margin: must be a finite number (allowed: greater than 0)")
        let overflow = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + "[training]\nepochs = 9223372036854775808\n")
        let problem = try #require(overflow.problems().first)
        #expect(problem.line == 10)
        #expect(problem.message.hasPrefix("TOML syntax: "))
    }
}
