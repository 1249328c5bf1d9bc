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
        let limits = BundleLoader.Limits()
        var problems = ProblemCollector(cap: limits.problemsPerKind)
        let lines = DataLines(bytes, file: name, maxLineBytes: limits.maxLineBytes, problems: &problems)
        let records = url.pathExtension.lowercased() == "tsv"
            ? TSVParser.parse(lines, file: name, problems: &problems)
            : JSONLinesParser.parse(lines, file: name, problems: &problems)
        let validator = RecordValidator(template: spec.template, labelField: spec.labelField, kind: spec.kind,
                                        labelRequired: labelled)
        let examples = validator.validate(records, file: name, problems: &problems)
        if examples.isEmpty && problems.isEmpty {
            problems.add(file: name, "holds no records", hint: "one JSON object per line, or TSV with a header")
        }
        if !problems.isEmpty { throw TaskProblems(problems.problems) }
        return examples
    }
}
