/// Finds the table headers that would crash the TOML parser instead of failing it.
///
/// The toml++ that TOMLKit 0.6 vendors asserts, rather than checks, that a table header's key
/// starts with a bare-key character or a quote, so a manifest holding `[=]`, `[[[a]]]` or a lone
/// `[` aborts the whole process (fixed upstream in toml++ pull request 301). This reads the text
/// the way the parser does, skipping strings, comments and array values, and finds such a header
/// first, so it can be reported as the syntax error it is.
enum TOMLHeaderCheck {
    /// The 1-based line and column of the first table header whose key starts with a character a
    /// key cannot start with, or nil when there is none.
    static func firstBrokenHeader(in source: String) -> (line: Int, column: Int)? {
        let scalars = Array(source.unicodeScalars)
        var index = 0
        var line = 1
        var lineStart = 0
        var atStatementStart = true
        var depth = 0
        func at(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
        func isBlank(_ c: Unicode.Scalar?) -> Bool { c == " " || c == "\t" }
        while index < scalars.count {
            let c = scalars[index]
            switch c {
            case "\n":
                line += 1
                lineStart = index + 1
                atStatementStart = true
                index += 1
            case " ", "\t", "\r":
                index += 1
            case "#":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "\"", "'":
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
                atStatementStart = false
            case "[" where atStatementStart && depth == 0:
                let column = index - lineStart + 1
                index += at(1) == "[" ? 2 : 1
                while isBlank(at(0)) { index += 1 }
                if let first = at(0), !startsKeyOrCloses(first) { return (line, column) }
                atStatementStart = false
            case "[", "{":
                depth += 1
                index += 1
                atStatementStart = false
            case "]", "}":
                depth = max(0, depth - 1)
                index += 1
                atStatementStart = false
            default:
                index += 1
                atStatementStart = false
            }
        }
        return nil
    }

    /// Whether `c` may follow a header's opening brackets: a bare-key character, a quote, or `]`.
    private static func startsKeyOrCloses(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "_-\"']".unicodeScalars.contains(c))
    }
}
