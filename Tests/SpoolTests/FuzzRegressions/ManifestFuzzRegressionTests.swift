import Foundation
import PTuning
@testable import Spool
import Testing

/// Manifests the fuzzer found crashing the loader, kept so they stay refused.
@Suite struct ManifestFuzzRegressionTests {
    /// Table headers whose key starts with a character no key starts with: the TOML parser under
    /// TOMLKit asserted on these and aborted the process.
    @Test(arguments: [
        ("[=]\n", 9, 1), ("[[[1]]]\n", 9, 1), ("[[=", 9, 1), ("[\n", 9, 1), ("  [ #x]\n", 9, 3),
        ("[training]\nepochs = 1\n[[\u{7F}a]]\n", 11, 1), ("# [=]\nname2 = \"\"\"\n[=]\"\"\"\n[\r\n", 12, 1),
    ])
    func aHeaderThatNamesNoTableIsASyntaxError(extra: String, line: Int, column: Int) throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + extra)
        #expect(fixture.problems().map(\.description) == [
            "task.toml:\(line): TOML syntax: a table header must name a table, as in [name] or [[name]] (column \(column))",
        ])
    }

    /// A `}` where an array expects its next value: the parser asserted on these too.
    @Test(arguments: [
        ("a = [}\n", 9, 6), ("a = [1, }\n", 9, 9), ("a = [ # c\n }\n", 10, 2), ("a = [[1], [}]]\n", 9, 12),
        ("init_ids = [}0[P*3]{target}'''\n", 9, 13),
    ])
    func aBraceWhereAnArrayExpectsAValueIsASyntaxError(extra: String, line: Int, column: Int) throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + extra)
        #expect(fixture.problems().map(\.description) == [
            "task.toml:\(line): TOML syntax: expected a value or ']' in the array, saw '}' (column \(column))",
        ])
    }

    /// A date and its `T` with no digit after it: the parser asserted that the time starts with one.
    @Test(arguments: [
        ("a = 1979-05-27T:\n", 9, 5), ("a = 1979-05-27t:00:00\n", 9, 5), ("a = [1979-05-27T:]\n", 9, 6),
        ("a = [1, 1979-05-27T:]\n", 9, 9), ("a = {b=1979-05-27T:}\n", 9, 8),
    ])
    func aDateTimeWithoutItsTimeIsASyntaxError(extra: String, line: Int, column: Int) throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + extra)
        #expect(fixture.problems().map(\.description) == [
            "task.toml:\(line): TOML syntax: a date-time needs the time's digits after its T, as in 1979-05-27T07:32:00 (column \(column))",
        ])
    }

    /// A label holding a NUL: the TOML library cut such a key short, and the loader refused the
    /// bundle with no problem to show. Other control characters are named as such.
    @Test(arguments: [("\\u00000", "TOML syntax: a NUL character (\\u0000) is not allowed in a manifest"),
                      ("1\\U00000000", "TOML syntax: a NUL character (\\u0000) is not allowed in a manifest"),
                      ("\\u0007bell", "the label contains a control character")])
    func aLabelWithAControlCharacterIsNamed(label: String, message: String) throws {
        let manifest = BundleFixture.sentimentManifest.replacingOccurrences(of: "\"0\" = \"terrible\"",
                                                                            with: "\"\(label)\" = \"terrible\"")
        let problems = try BundleFixture.sentiment(manifest: manifest).problems()
        #expect(problems.map(\.message) == [message], "\(problems)")
    }

    @Test func headersAndBracketsThatTheParserHandlesAreLeftToIt() throws {
        let documents = [
            "[a]\n[ \"b c\" ]\n[[ 'd' ]]\n[ e . f ]\n[]\n",
            "a = [\n  [1, 2],\n  [\n    3,\n  ],\n]\nb = { c = [ { d = 1 } ] }\n",
            "s = \"\"\"\n[=]\n\\\n[!]\"\"\"\"\"\nt = '''\n[=]'''\nu = \"[=\" # [=]\nv = '[='\n",
            "a = [ { b = 1 }, { c = [ ] } ]\nd = { e = [ 1, ], f = \"}\" }\ng = [ \"}\", '}' ] # [}\n",
            "a = 1979-05-27T07:32:00Z\nb = [1979-05-27t07:32:00]\nc = \"1979-05-27T:\"\n1979-05-27T = 1 # 1979-05-27T:\n",
        ]
        for document in documents {
            #expect(TOMLCrashCheck.firstCrash(in: document) == nil, "\(document)")
        }
        let template = BundleFixture.sentimentManifest.replacingOccurrences(
            of: "template = \"[P*3] {sentence} [P*3] It was{target}\"",
            with: "template = \"\"\"\n[!] {sentence}{target}\"\"\"")
        #expect(try BundleFixture.sentiment(manifest: template).problems().map(\.field) == ["template"])
    }
}
