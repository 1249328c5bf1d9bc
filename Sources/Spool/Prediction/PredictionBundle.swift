import Base
import Foundation
import PTuning
import TOMLKit

/// A loaded and validated prediction bundle: the manifest, the prompt it names, and every record.
public struct PredictionBundle: Sendable {
    /// The bundle's directory, with symbolic links resolved.
    public var root: URL
    public var manifest: PredictionManifest
    /// The prompt `manifest.prompt` names, with its task (template, kind, label words).
    public var prompt: PromptFile
    /// The SHA-256 of the prompt file's bytes (of the table, for a table entry).
    public var promptSHA256: String
    /// The input's records in file order; never empty. Each has the template's fields.
    public var records: [Example]
    /// Whether every record carries the task's label field: the run then measures its metrics too.
    public var labelled: Bool

    /// The prompt file a `job` reference resolved to, which the daemon puts in the job's folder (not
    /// `prompt.safetensors`: the job trained no prompt of its own).
    public static let promptFileName = "source-prompt.safetensors"

    /// The model the records are answered with: the manifest's, else the prompt's own.
    public var model: String { manifest.model ?? prompt.modelName }
}

/// Loads a prediction bundle (`kind = "predict"`) and checks all of it: the manifest, the prompt it
/// names, and every record against that prompt's task.
public enum PredictionBundleLoader {
    /// Loads the bundle in `directory`; `jobPrompt` gives the prompt file (prompt.safetensors) of a
    /// `job` reference (the daemon reads it from its history at intake; a worker from its job folder)
    /// or throws why it cannot.
    ///
    /// - Throws: every problem found, each with its file, line and key or field where known.
    public static func load(directory: URL,
                            jobPrompt: (String) throws -> Data) throws(TaskProblems) -> PredictionBundle {
        let limits = BundleLoader.Limits()
        let (root, manifest) = try readManifest(directory: directory, limits: limits)
        let files = BundleFileReader(root: root, maxFileBytes: limits.maxDataFileBytes)
        let (prompt, sha256) = try loadPrompt(manifest.prompt, files: files, jobPrompt: jobPrompt)
        var problems = ProblemCollector(cap: limits.problemsPerKind)
        let records = readRecords(manifest, prompt: prompt, files: files, limits: limits, problems: &problems)
        if !problems.isEmpty { throw TaskProblems(problems.problems) }
        let labelField = prompt.spec.labelField
        return PredictionBundle(root: root, manifest: manifest, prompt: prompt, promptSHA256: sha256, records: records,
                                labelled: records.allSatisfy { $0.fields[labelField] != nil })
    }

    /// The bundle's manifest alone, checked as `load` checks it: for a bundle whose prompt comes from
    /// a job that has not ended yet (its records are checked when the prompt is there).
    public static func loadManifest(directory: URL) throws(TaskProblems) -> PredictionManifest {
        try readManifest(directory: directory, limits: BundleLoader.Limits()).manifest
    }

    private static func readManifest(directory: URL, limits: BundleLoader.Limits)
        throws(TaskProblems) -> (root: URL, manifest: PredictionManifest) {
        let root = try BundleLoader.bundleRoot(directory)
        let files = BundleFileReader(root: root, maxFileBytes: limits.maxDataFileBytes)
        let (source, toml) = try BundleLoader.parseManifest(root: root, limits: limits)
        let diagnostics = ManifestDiagnostics(collector: ProblemCollector(cap: limits.problemsPerKind),
                                              lines: ManifestLineIndex(source: source))
        let reader = ManifestReader(diagnostics: diagnostics, files: files, limits: limits)
        guard let manifest = PredictionManifestReader(diagnostics: diagnostics, reader: reader).read(toml) else {
            throw TaskProblems(diagnostics.collector.problems)
        }
        return (root, manifest)
    }

    private static func loadPrompt(_ source: PromptSource, files: BundleFileReader,
                                   jobPrompt: (String) throws -> Data) throws(TaskProblems) -> (PromptFile, String) {
        let field: String
        do {
            switch source {
            case .job(let reference):
                field = "prompt.job"
                let bytes = try jobPrompt(reference)
                return (try PromptFile.load(contents: bytes, name: "the prompt of job \(reference)"), ContentHash.sha256Hex(bytes))
            case .file(let path):
                field = "prompt.file"
                let bytes = Data(try files.contents(of: path))
                return (try PromptFile.load(contents: bytes, name: path), ContentHash.sha256Hex(bytes))
            case let .table(path, task):
                field = "prompt.table"
                let bytes = Data(try files.contents(of: path))
                return (try PromptTable.load(contents: bytes, name: path).prompt(task: task), ContentHash.sha256Hex(bytes))
            }
        } catch let error as BundleFileError {
            throw TaskProblems([TaskProblem(file: ManifestDiagnostics.file, field: field, message: error.message,
                                            hint: error.hint)])
        } catch let error as ActionableError {
            throw TaskProblems([TaskProblem(file: ManifestDiagnostics.file, field: field, message: error.message,
                                            hint: error.hint)])
        } catch {
            throw TaskProblems([TaskProblem(file: ManifestDiagnostics.file, field: field,
                                            message: "\(source) is not a usable prompt: \(error)")])
        }
    }

    /// The input's records, checked against the prompt's task; the label is optional.
    private static func readRecords(_ manifest: PredictionManifest, prompt: PromptFile, files: BundleFileReader,
                                    limits: BundleLoader.Limits, problems: inout ProblemCollector) -> [Example] {
        do {
            return RecordFile.examples(try files.contents(of: manifest.input), file: manifest.input, format: manifest.format,
                                       spec: prompt.spec, labelled: false, maxLines: limits.maxDataLines, problems: &problems)
        } catch {
            problems.add(file: manifest.input, error.message, hint: error.hint)
            return []
        }
    }
}
