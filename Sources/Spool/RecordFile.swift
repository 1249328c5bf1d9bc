import Base
import Foundation
import PTuning

/// Records from one data file outside a bundle (the input of `ptune predict` and `ptune eval`), checked
/// against a task the same way a bundle's splits are.
public enum RecordFile {
    /// Reads `url` as TSV when its name ends in `.tsv`, else as JSON Lines. With `labelled`, every
    /// record must carry the task's label field; without it the label is optional.
    public static func load(_ url: URL, spec: TaskSpec, labelled: Bool) throws(TaskProblems) -> [Example] {
        let name = url.lastPathComponent
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw TaskProblems([TaskProblem(file: url.path, message: "cannot read: \(error.localizedDescription)")])
        }
        var problems = ProblemCollector(cap: BundleLoader.Limits().problemsPerKind)
        let examples = examples(bytes, file: name, format: url.pathExtension.lowercased() == "tsv" ? .tsv : .jsonl,
                                spec: spec, labelled: labelled, problems: &problems)
        if !problems.isEmpty { throw TaskProblems(problems.problems) }
        return examples
    }

    /// The records of a data file's `bytes`, checked against `spec` (the label required only when
    /// `labelled`), at most `maxLines` of them when given; a file with no record at all is a problem too.
    static func examples(_ bytes: [UInt8], file: String, format: DataFormat, spec: TaskSpec, labelled: Bool,
                         maxLines: Int? = nil, problems: inout ProblemCollector) -> [Example] {
        let lines = DataLines(bytes, file: file, maxLineBytes: BundleLoader.Limits().maxLineBytes, maxLines: maxLines,
                              problems: &problems)
        let records = format.parse(lines, file: file, problems: &problems)
        let validator = RecordValidator(template: spec.template, labelField: spec.labelField, kind: spec.kind,
                                        labelRequired: labelled)
        let examples = validator.validate(records, file: file, problems: &problems)
        if examples.isEmpty && problems.isEmpty {
            problems.add(file: file, "holds no records", hint: "one JSON object per line, or TSV with a header")
        }
        return examples
    }
}

extension DataFormat {
    /// The records of `lines`, written in this format.
    func parse(_ lines: DataLines, file: String, problems: inout ProblemCollector) -> DataRecords {
        switch self {
        case .jsonl: JSONLinesParser.parse(lines, file: file, problems: &problems)
        case .tsv: TSVParser.parse(lines, file: file, problems: &problems)
        }
    }
}
