import Foundation

/// Finds the line of a key in the manifest's text, so that problems found after parsing can still
/// point at a line. TOMLKit keeps no positions for values, so this reads `[table]` headers and
/// `key =` lines itself; keys it cannot place get no line.
struct ManifestLineIndex {
    private var lines: [String: Int] = [:]

    init(source: String) {
        var table: [String] = []
        var inMultilineString: String?
        for (index, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if let delimiter = inMultilineString {
                if line.contains(delimiter) { inMultilineString = nil }
                continue
            }
            if line.hasPrefix("[") {
                let header = line.dropFirst(line.hasPrefix("[[") ? 2 : 1).prefix { $0 != "]" }
                table = Self.keyPath(String(header))
                record(table, line: index + 1)
            } else if let equals = Self.firstUnquoted("=", in: line) {
                let key = Self.keyPath(String(line[..<equals]))
                if !key.isEmpty { record(table + key, line: index + 1) }
                let value = line[line.index(after: equals)...]
                for delimiter in ["\"\"\"", "'''"] where value.components(separatedBy: delimiter).count == 2 {
                    inMultilineString = delimiter
                }
            }
        }
    }

    /// The 1-based line where `path` ("training.epochs", "labels.1", "data") is set, when known.
    func line(of path: [String]) -> Int? { lines[path.joined(separator: "\u{1F}")] }

    private mutating func record(_ path: [String], line: Int) {
        let key = path.joined(separator: "\u{1F}")
        if lines[key] == nil { lines[key] = line }
    }

    /// Splits a dotted key ("a.\"b.c\"") into its parts, without quotes.
    private static func keyPath(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts.allSatisfy(\.isEmpty) ? [] : parts
    }

    private static func firstUnquoted(_ target: Character, in line: String) -> String.Index? {
        var quote: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return nil
            } else if c == target {
                return index
            }
            index = line.index(after: index)
        }
        return nil
    }
}
