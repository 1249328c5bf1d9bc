@testable import Spool
import Testing

@Suite struct JSONLinesParserTests {
    private func parse(_ text: String) -> (DataRecords, [String]) {
        var problems = ProblemCollector()
        let lines = DataLines(Array(text.utf8), file: "train.jsonl", maxLineBytes: 1 << 20, problems: &problems)
        let records = JSONLinesParser.parse(lines, file: "train.jsonl", problems: &problems)
        return (records, problems.problems.map(\.description))
    }

    @Test func turnsScalarsIntoText() {
        let (records, problems) = parse(#"{"s": "x", "i": 1, "f": 0.5, "w": 2.0, "t": true, "n": false}"#)
        #expect(problems.isEmpty)
        #expect(records.records.first?.fields == ["s": .text("x"), "i": .text("1"), "f": .text("0.5"),
                                                  "w": .text("2"), "t": .text("true"), "n": .text("false")])
    }

    @Test func keepsNestedValuesAsUnusable() {
        let (records, _) = parse(#"{"a": [1], "o": {"k": 1}, "z": null}"#)
        #expect(records.records.first?.fields == ["a": .unusable("an array"), "o": .unusable("an object"),
                                                  "z": .unusable("null")])
    }

    @Test func reportsBadJSONWithItsLineAndSkipsBlankLines() {
        let (records, problems) = parse("{\"a\": 1}\n\n   \n{\"a\": \n[1, 2]\r\n{\"a\": 3}\r\n")
        #expect(records.records.map(\.line) == [1, 6])
        #expect(problems.count == 2)
        #expect(problems[0].hasPrefix("train.jsonl:4: not valid JSON"))
        #expect(problems[1].hasPrefix("train.jsonl:5: not a JSON object"))
    }

    @Test func reportsInvalidUTF8() {
        var problems = ProblemCollector()
        let lines = DataLines([0x7B, 0xFF, 0x7D, 0x0A], file: "t", maxLineBytes: 100, problems: &problems)
        #expect(lines.lines.isEmpty)
        #expect(problems.problems.map(\.description) == ["t:1: not valid UTF-8 (save the file as UTF-8)"])
    }

    @Test func stopsAfterTheMostLinesAFileMayHold() {
        var problems = ProblemCollector()
        let maxLines = BundleLoader.Limits().maxDataLines
        let bytes = [UInt8](repeating: 0, count: maxLines + 1).flatMap { _ in [0x31, 0x0A] as [UInt8] }
        let lines = DataLines(bytes, file: "t", maxLineBytes: 100, maxLines: maxLines, problems: &problems)
        #expect(lines.lines.count == maxLines)
        #expect(problems.problems.map(\.description) == [
            "t:1000001: more than 1000000 lines; a bundle's files hold at most 1000000 (sample the records, or spread them over several bundles)",
        ])
        var none = ProblemCollector()
        #expect(DataLines(bytes, file: "t", maxLineBytes: 100, problems: &none).lines.count == maxLines + 1
                && none.isEmpty, "a file read outside a bundle has no such limit")
    }

    @Test func dropsAByteOrderMark() {
        var problems = ProblemCollector()
        let lines = DataLines([0xEF, 0xBB, 0xBF] + Array("{}".utf8), file: "t", maxLineBytes: 100, problems: &problems)
        #expect(lines.lines.map(\.text) == ["{}"])
    }
}
