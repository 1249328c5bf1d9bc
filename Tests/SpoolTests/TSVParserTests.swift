@testable import Spool
import Testing

@Suite struct TSVParserTests {
    private func parse(_ text: String) -> (DataRecords, [String]) {
        var problems = ProblemCollector()
        let lines = DataLines(Array(text.utf8), file: "train.tsv", maxLineBytes: 1 << 20, problems: &problems)
        let records = TSVParser.parse(lines, file: "train.tsv", problems: &problems)
        return (records, problems.problems.map(\.description))
    }

    @Test func readsTheHeaderAndRows() {
        let (data, problems) = parse("sentence\tlabel\nkids , spirit \t1\n\nbad\t0\n")
        #expect(problems.isEmpty)
        #expect(data.header?.names == ["sentence", "label"])
        #expect(data.records.map(\.line) == [2, 4])
        #expect(data.records.first?.fields == ["sentence": .text("kids , spirit "), "label": .text("1")])
    }

    @Test func reportsRowsWithTheWrongNumberOfValues() {
        let (data, problems) = parse("a\tb\nx\n1\t2\t3\n")
        #expect(data.records.isEmpty)
        #expect(problems == [
            "train.tsv:2: 1 tab-separated values; the header has 2 (a, b) (TSV has no quoting: a value cannot contain a tab)",
            "train.tsv:3: 3 tab-separated values; the header has 2 (a, b) (TSV has no quoting: a value cannot contain a tab)",
        ])
    }

    @Test func reportsBadHeaders() {
        #expect(parse("a\ta\nx\ty\n").1 == ["train.tsv:1: a: named twice in the header"])
        #expect(parse("a\t\nx\ty\n").1.first?.hasPrefix("train.tsv:1: the header has an empty field name") == true)
    }

    @Test func aHeaderWithoutATemplateFieldIsReportedOnce() throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + "[data]\nformat = \"tsv\"\ntrain = \"train.tsv\"\n")
        try fixture.write("train.tsv", "text\tlabel\nfine\t1\nbad\t0\n")
        #expect(fixture.problems().map(\.description) == [
            "train.tsv:1: sentence: missing from the header (the header names: text, label)",
        ])
    }
}
