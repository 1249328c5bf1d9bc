import Foundation
import TestSupport
import Testing

/// Every SQL text in the store is a literal: values travel as arguments, never inside the text.
struct ParameterizedSQLTests {
    @Test func noSQLTextIsBuiltFromValues() throws {
        let folder = TestEnvironment.packageRoot.appendingPathComponent("Sources/Store")
        var statements = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
            let source = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            var rest = Substring(source)
            while let start = rest.range(of: "sql: ") {
                rest = rest[start.upperBound...]
                let text: Substring
                if rest.hasPrefix("\"\"\"") {
                    let body = rest.dropFirst(3)
                    guard let end = body.range(of: "\"\"\"") else { break }
                    text = body[..<end.lowerBound]
                } else {
                    text = rest.dropFirst().prefix { $0 != "\"" }
                }
                statements += 1
                #expect(!text.contains("\\("), "\(name): SQL built by interpolation: \(text.prefix(80))")
            }
        }
        #expect(statements > 10, "found only \(statements) SQL texts; is the scan still looking at the store?")
    }
}
