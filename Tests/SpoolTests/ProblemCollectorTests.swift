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
