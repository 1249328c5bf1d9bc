import PTuning
@testable import Spool
import Testing

@Suite struct ProblemCollectorTests {
    @Test func capsEachKindPerFileAndSumsUpTheRest() {
        var collector = ProblemCollector(cap: 2)
        for line in 1...5 { collector.add(file: "a", line: line, field: "x", "bad", kind: "k") }
        collector.add(file: "b", line: 1, "bad", kind: "k")
        collector.add(file: "a", "other")
        #expect(collector.problems.map(\.description) == [
            "a:1: x: bad", "a:2: x: bad", "a: x: ... and 3 more like this", "b:1: bad", "a: other",
        ])
    }
}

@Suite struct KeySuggestionTests {
    @Test func suggestsCloseKeysOnly() {
        let keys = ManifestKeys.training
        #expect(KeySuggestion.closest(to: "lerning_rate", among: keys) == "learning_rate")
        #expect(KeySuggestion.closest(to: "epoch", among: keys) == "epochs")
        #expect(KeySuggestion.closest(to: "batchsize", among: keys) == "batch_size")
        #expect(KeySuggestion.closest(to: "Seeds", among: keys) == "seeds")
        #expect(KeySuggestion.closest(to: "gpu", among: keys) == nil)
        #expect(KeySuggestion.editDistance(Array("ab"), Array("ba")) == 1)
    }
}

@Suite struct WallTimeTests {
    @Test(arguments: [("90m", 5400), ("2h", 7200), ("1h30m", 5400), ("45s", 45), ("1d12h", 129_600), ("0s", 0)])
    func parsesDurations(text: String, seconds: Int) {
        #expect(WallTime.seconds(text) == seconds)
    }

    @Test(arguments: ["", "90", "m", "30m1h", "1h1h", "1.5h", "2x", "1h 30m", "1sx"])
    func rejectsOtherText(text: String) {
        #expect(WallTime.seconds(text) == nil)
    }
}

@Suite struct ManifestLineIndexTests {
    @Test func findsKeysInTablesAndDottedKeys() {
        let index = ManifestLineIndex(source: """
            name = "x"  # a comment with = sign
            doc = \"\"\"
            fake = 1
            \"\"\"
            training.epochs = 3
            [labels]
            "1" = "great"
            'a.b' = "c"
            [ training ]
            batch_size = 4
            """)
        #expect(index.line(of: ["name"]) == 1)
        #expect(index.line(of: ["fake"]) == nil)
        #expect(index.line(of: ["training", "epochs"]) == 5)
        #expect(index.line(of: ["labels"]) == 6)
        #expect(index.line(of: ["labels", "1"]) == 7)
        #expect(index.line(of: ["labels", "a.b"]) == 8)
        #expect(index.line(of: ["training", "batch_size"]) == 10)
    }
}
