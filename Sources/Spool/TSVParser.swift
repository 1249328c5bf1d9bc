/// Reads tab-separated values: the first non-blank line names the fields; every other line holds
/// one value per field. There is no quoting: a value cannot hold a tab or a line break.
enum TSVParser {
    static func parse(_ lines: DataLines, file: String, problems: inout ProblemCollector) -> DataRecords {
        var result = DataRecords()
        guard let first = lines.lines.first else { return result }
        let names = first.text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        result.header = (names, first.number)
        var headerOK = true
        if names.contains(where: \.isEmpty) {
            problems.add(file: file, line: first.number, "the header has an empty field name",
                         hint: "the first line names the fields, separated by single tabs")
            headerOK = false
        }
        var seen = Set<String>()
        for name in names where !name.isEmpty && !seen.insert(name).inserted {
            problems.add(file: file, line: first.number, field: name, "named twice in the header")
            headerOK = false
        }
        guard headerOK else { return result }
        for (number, text) in lines.lines.dropFirst() {
            let values = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard values.count == names.count else {
                problems.add(file: file, line: number,
                             "\(values.count) tab-separated values; the header has \(names.count) (\(names.joined(separator: ", ")))",
                             hint: "TSV has no quoting: a value cannot contain a tab", kind: "tsv-columns")
                continue
            }
            var fields: [String: DataRecord.Value] = [:]
            for (name, value) in zip(names, values) { fields[name] = .text(String(value)) }
            result.records.append(DataRecord(line: number, fields: fields))
        }
        return result
    }
}
