import PTuning

/// Checks records against the task: every field the template and the kind need is there and holds
/// text, and the label is one the task knows.
struct RecordValidator {
    /// The fields every record needs, in the order to report them (template fields, options, label).
    let requiredFields: [String]
    let labelField: String
    /// The task kind, when the manifest gave a usable one; without it only fields are checked.
    let kind: (any TaskKind)?

    /// `labelRequired` false accepts records without the label field (inputs to predict).
    init(template: Template?, labelField: String, kind: (any TaskKind)?, labelRequired: Bool = true) {
        var fields = template?.fieldNames ?? []
        fields += (kind?.recordFields ?? []).filter { !fields.contains($0) }
        if labelRequired && !fields.contains(labelField) { fields.append(labelField) }
        self.requiredFields = fields
        self.labelField = labelField
        self.kind = kind
    }

    func validate(_ data: DataRecords, file: String, problems: inout ProblemCollector) -> [Example] {
        var missingFromHeader: Set<String> = []
        if let header = data.header {
            for field in requiredFields where !header.names.contains(field) {
                problems.add(file: file, line: header.line, field: field, "missing from the header",
                             hint: "the header names: " + header.names.joined(separator: ", "))
                missingFromHeader.insert(field)
            }
            if !missingFromHeader.isEmpty { return [] }
        }
        var examples: [Example] = []
        for record in data.records {
            var ok = true
            for field in requiredFields {
                switch record.fields[field] {
                case nil:
                    let present = record.fields.keys.sorted().joined(separator: ", ")
                    let close = KeySuggestion.closest(to: field, among: Array(record.fields.keys))
                    problems.add(file: file, line: record.line, field: field, "missing",
                                 hint: (close.map { "did you mean \($0)? " } ?? "") + "this record has: \(present)",
                                 kind: "missing:\(field)")
                    ok = false
                case .unusable(let what)?:
                    problems.add(file: file, line: record.line, field: field, "is \(what); expected text, a number or a boolean",
                                 kind: "unusable:\(field)")
                    ok = false
                case .text?:
                    break
                }
            }
            guard ok else { continue }
            if case .text(let label)? = record.fields[labelField], let problem = kind?.answerProblem(label, field: labelField) {
                problems.add(file: file, line: record.line, field: labelField, problem.message, hint: problem.hint,
                             kind: "label")
                continue
            }
            var fields: [String: String] = [:]
            for (name, value) in record.fields { if case .text(let text) = value { fields[name] = text } }
            examples.append(Example(fields: fields, source: "\(file):\(record.line)"))
        }
        return examples
    }
}
