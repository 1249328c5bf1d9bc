/// Finds the constructs that would crash the TOML parser instead of failing it.
///
/// The toml++ that TOMLKit 0.6 vendors asserts, rather than checks, two things a malformed document
/// can break, and an assertion aborts the whole process:
/// - that a table header's key starts with a bare-key character or a quote (`[=]`, `[[[a]]]` or a
///   lone `[` break it; fixed upstream in toml++ pull request 301);
/// - that where an array expects its next value there is no `}` (`a = [}`, `a = [1, }`);
/// - that a date-time's time starts with a digit after its `T` (`a = 1979-05-27T:00` breaks it).
/// This reads the text the way the parser does, skipping strings and comments, and finds such a
/// construct first, so it can be reported as the syntax error it is.
public enum TOMLCrashCheck {
    /// A construct the parser would crash on: where it is and what is wrong.
    public struct Finding: Equatable, Sendable {
        public let line: Int
        public let column: Int
        public let message: String
    }

    static let brokenHeader = "a table header must name a table, as in [name] or [[name]]"
    static let braceInArray = "expected a value or ']' in the array, saw '}'"
    static let timeWithoutDigits = "a date-time needs the time's digits after its T, as in 1979-05-27T07:32:00"

    /// The first construct in `source` that would crash the parser, or nil when there is none.
    public static func firstCrash(in source: String) -> Finding? {
        var scanner = CrashScanner(scalars: Array(source.unicodeScalars))
        while !scanner.atEnd {
            if let finding = scanner.step() { return finding }
        }
        return nil
    }

    static let nulCharacter = "a NUL character (\\u0000) is not allowed in a manifest"

    /// The first NUL in `source`, raw or written as an escape (`\u0000`, `\U00000000`). TOMLKit
    /// passes keys through C strings, so a key holding one would be cut short without a word.
    public static func firstNUL(in source: String) -> Finding? {
        var line = 1
        for text in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if let index = text.firstIndex(of: "\0") {
                return Finding(line: line, column: text.distance(from: text.startIndex, to: index) + 1, message: nulCharacter)
            }
            for escape in ["\\u0000", "\\U00000000"] {
                if let range = text.range(of: escape, options: .caseInsensitive) {
                    return Finding(line: line, column: text.distance(from: text.startIndex, to: range.lowerBound) + 1,
                                   message: nulCharacter)
                }
            }
            line += 1
        }
        return nil
    }

    /// Whether `c` may follow a header's opening brackets: a bare-key character, a quote, or `]`.
    static func startsKeyOrCloses(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "_-\"']".unicodeScalars.contains(c))
    }
}

/// A scan over a manifest's text that tracks just enough of TOML (strings, comments, table headers,
/// open arrays and inline tables) to find the constructs `TOMLCrashCheck` looks for.
private struct CrashScanner {
    let scalars: [Unicode.Scalar]
    var index = 0
    var line = 1
    var lineStart = 0
    var atStatementStart = true
    /// The open arrays and inline tables, innermost last.
    var open: [Unicode.Scalar] = []
    /// An array was just opened, or a comma passed in one: its next value comes next.
    var expectingArrayValue = false
    /// An `=` was just passed: a value comes next.
    var expectingValue = false

    init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var atEnd: Bool { index >= scalars.count }

    private func at(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }

    private func finding(_ message: String, column: Int? = nil) -> TOMLCrashCheck.Finding {
        TOMLCrashCheck.Finding(line: line, column: column ?? index - lineStart + 1, message: message)
    }

    /// Consumes one token (or blank, or comment); returns what it found wrong there, if anything.
    mutating func step() -> TOMLCrashCheck.Finding? {
        let c = scalars[index]
        if expectingArrayValue, c == "}" { return finding(TOMLCrashCheck.braceInArray) }
        if skipTrivia(c) { return nil }
        if expectingValue || expectingArrayValue, isDateWithTimeMissing() { return finding(TOMLCrashCheck.timeWithoutDigits) }
        expectingValue = c == "="
        expectingArrayValue = false
        switch c {
        case "\"", "'":
            skipString(quote: c)
            atStatementStart = false
        case "[" where atStatementStart && open.isEmpty:
            let column = index - lineStart + 1
            index += at(1) == "[" ? 2 : 1
            while at(0) == " " || at(0) == "\t" { index += 1 }
            if let first = at(0), !TOMLCrashCheck.startsKeyOrCloses(first) {
                return finding(TOMLCrashCheck.brokenHeader, column: column)
            }
            atStatementStart = false
        case "[", "{":
            open.append(c)
            expectingArrayValue = c == "["
            index += 1
            atStatementStart = false
        case "]", "}":
            _ = open.popLast()
            index += 1
            atStatementStart = false
        case ",":
            expectingArrayValue = open.last == "["
            index += 1
        default:
            index += 1
            atStatementStart = false
        }
        return nil
    }

    /// Whether a date (`YYYY-MM-DD`) starts at `index`, followed by `T` or `t` and then something
    /// other than a digit.
    private func isDateWithTimeMissing() -> Bool {
        let digit = { (offset: Int) in at(offset).map { ("0"..."9").contains($0) } ?? false }
        guard [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy(digit), at(4) == "-", at(7) == "-",
              at(10) == "T" || at(10) == "t", at(11) != nil else { return false }
        return !digit(11)
    }

    /// Skips a line end, a blank or a comment at `c`; false when `c` starts none of them.
    private mutating func skipTrivia(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "\n":
            line += 1
            lineStart = index + 1
            atStatementStart = open.isEmpty
            expectingValue = false
            index += 1
        case " ", "\t", "\r":
            index += 1
        case "#":
            while index < scalars.count, scalars[index] != "\n" { index += 1 }
        default:
            return false
        }
        return true
    }

    /// Skips the string opened by `quote` at `index` (basic or literal, one-line or multi-line).
    private mutating func skipString(quote c: Unicode.Scalar) {
        let multiline = at(1) == c && at(2) == c
        index += multiline ? 3 : 1
        while index < scalars.count {
            let d = scalars[index]
            if d == "\\", c == "\"" {
                if at(1) == "\n" {
                    line += 1
                    lineStart = index + 2
                }
                index += 2
                continue
            }
            if d == "\n" {
                if !multiline { break }
                line += 1
                lineStart = index + 1
            }
            if d == c, !multiline || (at(1) == c && at(2) == c) {
                index += multiline ? 3 : 1
                while multiline, at(0) == c { index += 1 }
                break
            }
            index += 1
        }
    }
}
