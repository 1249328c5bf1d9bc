@testable import Spool
import Testing

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
