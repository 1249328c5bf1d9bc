import Base
import Foundation
import PTuning
@testable import Spool
import Testing

/// `BundleLoader` on a folder bundle whose `task.toml` is mutated: the TOML parser, the manifest's
/// checks and the data checks they steer. Each manifest is loaded or refused with problems that
/// each name a file and say what is wrong.
@Suite struct ManifestFuzzTests {
    static let seeds = [
        BundleFixture.sentimentManifest,
        BundleFixture.everyKeyManifest,
        """
        name = "p19"
        model = "m.gguf"
        kind = "fill"
        template = '''[P*3] {sub_label} [P*3]{target}'''
        [data]
        train = "p19.jsonl"
        label_field = "obj_label"
        [fill]
        candidates_file = "vocab.txt"
        [encoder]
        type = "none"
        init_ids = [3513, 4442]

        """,
        """
        name = "copa"
        model = "m.gguf"
        kind = "choice"
        template = "[P*2] {premise} What was the {question}? [P*2]{target}"
        data = { train = "copa.jsonl" }
        choice.fields = ["choice1", "choice2"]
        choice.margin = 0.5

        """,
    ].map { Array($0.utf8) }

    static let tokens: [[UInt8]] = {
        let keys = ManifestKeys.topLevel + ManifestKeys.training + ManifestKeys.limits
        let syntax: [String] = [
            "[training]", "[limits]", "[labels]", "[[labels]]", "[data]", "[encoder]", "[fill]", "[choice]",
            "\"\"\"", "'''", "true", "1979-05-27T07:32:00Z", "07:32:00", "{ a = 1 }", "[1, \"a\"]",
            "0x7FFFFFFFFFFFFFFF", "\\u0000", "\\uD800", "[P*", "{target}", "classify", "fill", "choice", "tsv",
        ]
        return (keys + syntax).map { Array($0.utf8) }
    }()

    /// A bundle folder holding the data every seed manifest names.
    static func bundle() throws -> BundleFixture {
        let fixture = try BundleFixture.sentiment()
        let header = "premise\thypothesis\tgold\n"
        try fixture.write("data/train.tsv", header + "A cat sat.\tA cat is sitting.\tentailment\nIt rained.\tIt was dry.\tnot_entailment\n")
        try fixture.write("data/dev.tsv", header + "He ran.\tHe moved.\tentailment\n")
        try fixture.write("data/test.tsv", header + "She sang.\tShe was silent.\tnot_entailment\n")
        try fixture.write("vocab.txt", "Paris\nLondon\n")
        try fixture.write("p19.jsonl", "{\"sub_label\": \"Victor Hugo\", \"obj_label\": \"Paris\"}\n")
        try fixture.write("copa.jsonl", "{\"premise\": \"p\", \"choice1\": \"a\", \"choice2\": \"b\", \"question\": \"cause\", \"label\": 1}\n")
        return fixture
    }

    @Test func everyManifestIsLoadedOrRefusedWithProblems() throws {
        let fixture = try Self.bundle()
        for seed in Self.seeds {
            try Data(seed).write(to: fixture.root.appendingPathComponent("task.toml"))
            #expect(fixture.problems().isEmpty, "\(String(decoding: seed, as: UTF8.self))")
        }
        let manifest = fixture.root.appendingPathComponent("task.toml")
        let fuzzer = Fuzzer(target: "manifest", seeds: Self.seeds, mutator: ByteMutator(tokens: Self.tokens))
        try fuzzer.run(defaultIterations: 4_000) { (bytes: [UInt8]) throws -> Fuzzer.Verdict in
            try Data(bytes).write(to: manifest)
            do throws(TaskProblems) {
                _ = try fixture.load()
                return .accepted
            } catch {
                let bad = error.problems.first { $0.file.isEmpty || $0.message.isEmpty }
                guard !error.problems.isEmpty, bad == nil else {
                    return .failed("refused with an empty problem: \(error.description)")
                }
                return .rejected
            }
        }
    }
}
