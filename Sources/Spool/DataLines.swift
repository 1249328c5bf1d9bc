import Base

/// The non-blank lines of a data file, as text with their 1-based line numbers. Lines that are too
/// long or not UTF-8 are reported and left out; a leading byte-order mark and `\r` line ends are dropped.
/// With `maxLines` (a bundle's files: `BundleLoader.Limits.maxDataLines`), a file of more lines
/// (non-blank) is a problem, and reading stops there.
struct DataLines {
    var lines: [(number: Int, text: String)] = []

    init(_ bytes: [UInt8], file: String, maxLineBytes: Int, maxLines: Int? = nil, problems: inout ProblemCollector) {
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var number = 0
        while start < bytes.count {
            number += 1
            let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var end = newline
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            defer { start = newline + 1 }
            let line = bytes[start..<end]
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard line.count <= maxLineBytes else {
                problems.add(file: file, line: number, "line is \(ByteCount(line.count)); the limit is \(ByteCount(maxLineBytes))",
                             kind: "line-too-long")
                continue
            }
            guard let text = String(validating: line, as: UTF8.self) else {
                problems.add(file: file, line: number, "not valid UTF-8", hint: "save the file as UTF-8",
                             kind: "utf8")
                continue
            }
            if let maxLines, lines.count == maxLines {
                problems.add(file: file, line: number, "more than \(maxLines) lines; a bundle's files hold at most \(maxLines)",
                             hint: "sample the records, or spread them over several bundles")
                break
            }
            lines.append((number, text))
        }
    }
}
