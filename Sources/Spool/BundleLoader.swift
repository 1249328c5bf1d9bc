import Base
import Foundation
import PTuning
import TOMLKit

/// Loads a task bundle from a directory and checks all of it: the manifest, the paths, every record.
public enum BundleLoader {
    /// Caps on what a bundle may hold.
    struct Limits {
        var maxManifestBytes = 1 << 20
        var maxDataFileBytes = 512 << 20
        var maxLineBytes = 1 << 20
        /// Non-blank lines of a data file: the daemon checks bundles in its own process, where a file
        /// of hundreds of millions of short lines would cost it tens of gigabytes.
        var maxDataLines = 1_000_000
        /// Problems of one kind in one file listed before the rest are summed up in one line.
        var problemsPerKind = 20
    }

    /// Loads the bundle in `directory`.
    ///
    /// Reads `task.toml`, then the train split and the dev and test splits when the manifest names
    /// them or their default files exist. Every split must be labelled, the test split included: it
    /// is for labelled evaluation. Data files are at most 512 MiB and their lines at most 1 MiB.
    /// Label words are not checked against a vocabulary here (that needs the model).
    ///
    /// - Throws: every problem found, each with its file, line and key or field where known.
    public static func load(directory: URL) throws(TaskProblems) -> TaskBundle {
        try load(directory: directory, limits: Limits())
    }

    static func load(directory: URL, limits: Limits) throws(TaskProblems) -> TaskBundle {
        let root = try bundleRoot(directory)
        let files = BundleFileReader(root: root, maxFileBytes: limits.maxDataFileBytes)
        let manifestName = ManifestDiagnostics.file
        let (source, toml) = try parseManifest(root: root, limits: limits)

        let diagnostics = ManifestDiagnostics(collector: ProblemCollector(cap: limits.problemsPerKind),
                                              lines: ManifestLineIndex(source: source))
        let draft = ManifestReader(diagnostics: diagnostics, files: files, limits: limits).read(toml)
        var problems = diagnostics.collector

        let splits = SplitReader(files: files, limits: limits, format: draft.format,
                                 validator: RecordValidator(template: draft.template, labelField: draft.labelField, kind: draft.kind))
        let train = splits.read(draft.train, name: "train", emptyHint: "training needs at least one labelled record",
                                required: true, problems: &problems)
        let dev = splits.read(draft.dev, name: "dev",
                              emptyHint: "fill it, or remove it: without a dev file ptune carves dev records from train or cross-validates ([data])",
                              required: false, problems: &problems)
        let test = splits.read(draft.test, name: "test", emptyHint: "fill it, or remove it: a test split is optional",
                               required: false, problems: &problems)
        if let folds = draft.folds, let train {
            checkFolds(folds, train: train.examples.count, devFile: dev?.path,
                       line: diagnostics.lines.line(of: ["data", "folds"]), problems: &problems)
        }
        if draft.search != nil, dev == nil, draft.folds == nil, let train,
           DevSplit.size(of: train.examples.count, fraction: draft.devFraction) == 0 {
            problems.add(file: manifestName, field: "search",
                         "a search needs dev records to choose its winner by, and this bundle has none",
                         hint: "add a dev file, set [data] folds, or give at least 24 training records and a dev_fraction above 0")
        }

        guard problems.isEmpty, let name = draft.name, let model = draft.model, let kind = draft.kind,
              let template = draft.template, let train else {
            // Every missing part reports why; this stands in should one ever fail silently.
            throw TaskProblems(problems.problems.isEmpty
                ? [TaskProblem(file: manifestName, message: "the manifest could not be read completely",
                               hint: "check its keys and values for unusual characters")]
                : problems.problems)
        }
        let spec = TaskSpec(name: name, kind: kind, template: template, labelField: draft.labelField,
                            encoder: draft.encoder, training: draft.training, manualTemplate: draft.manualTemplate,
                            bos: draft.bos)
        let data = DataFiles(train: train.path, dev: dev?.path, test: test?.path, format: draft.format,
                             devFraction: draft.devFraction, crossValidate: draft.crossValidate, folds: draft.folds)
        let manifest = BundleManifest(name: name, model: model, spec: spec, data: data,
                                      limits: draft.limits, links: draft.links, search: draft.search)
        return TaskBundle(root: root, manifest: manifest, train: train.examples,
                          dev: dev?.examples ?? [], test: test?.examples ?? [])
    }

    /// `folds` deals the training records into dev splits, so it needs a bundle without a dev file
    /// and enough records for folds of `DevSplit.minimumSize` with `DevSplit.minimumTrainingRecords`
    /// left to train on.
    private static func checkFolds(_ folds: Int, train: Int, devFile: String?, line: Int?, problems: inout ProblemCollector) {
        let field = "data.folds"
        if let devFile {
            problems.add(file: ManifestDiagnostics.file, line: line, field: field,
                         "folds deal the training records into dev splits, and this bundle has a dev file (\(devFile))",
                         hint: "remove folds to judge on the dev file, or remove the dev file to cross-validate")
        } else if !DevSplit.canDeal(train, into: folds) {
            problems.add(file: ManifestDiagnostics.file, line: line, field: field,
                         "\(train) training records do not make \(folds) folds of at least \(DevSplit.minimumSize) records "
                         + "with \(DevSplit.minimumTrainingRecords) left to train on",
                         hint: "ask for fewer folds, or give more training records")
        }
    }

    /// Whether the bundle in `directory` is a prediction bundle (`kind = "predict"`, loaded by
    /// `PredictionBundleLoader`); false also when its manifest cannot be read, which `load` reports.
    public static func isPrediction(directory: URL) -> Bool {
        guard let root = try? bundleRoot(directory), let (_, toml) = try? parseManifest(root: root, limits: Limits()) else {
            return false
        }
        return toml["kind"]?.string == predictionKind
    }

    /// What intake orders bundles dropped together by, read from `task.toml` alone: its `name` and
    /// the jobs it names (`after`, `after_any`, and `[prompt] job`, `NAME@latest` as `NAME`). Nothing
    /// when the manifest cannot be read (its loading then says why).
    public static func peek(directory: URL) -> (name: String?, references: [String]) {
        guard let root = try? bundleRoot(directory), let (_, toml) = try? parseManifest(root: root, limits: Limits()) else {
            return (nil, [])
        }
        let strings = { (key: String) in toml[key]?.array?.compactMap(\.string) ?? [] }
        let prompt = toml["prompt"]?.table?["job"]?.string.map { PromptSource.latestName($0) ?? $0 }
        return (toml["name"]?.string, strings("after") + strings("after_any") + (prompt.map { [$0] } ?? []))
    }

    /// The `kind` of a prediction bundle.
    public static let predictionKind = "predict"

    /// `directory` with symbolic links resolved, when it is a folder.
    static func bundleRoot(_ directory: URL) throws(TaskProblems) -> URL {
        let root = directory.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TaskProblems([TaskProblem(file: directory.path, message: "not a bundle folder",
                                            hint: "a bundle is a folder holding task.toml and its data")])
        }
        return root
    }

    /// task.toml read (within its size limit), checked as UTF-8 and parsed as TOML; its text is kept
    /// for the line numbers of later problems.
    static func parseManifest(root: URL, limits: Limits) throws(TaskProblems) -> (source: String, toml: TOMLTable) {
        let manifestName = ManifestDiagnostics.file
        let bytes: [UInt8]
        do {
            bytes = try BundleFileReader(root: root, maxFileBytes: limits.maxManifestBytes).contents(of: manifestName)
        } catch {
            throw TaskProblems([TaskProblem(file: manifestName, message: error.message, hint: error.hint)])
        }
        guard let source = String(validating: bytes, as: UTF8.self) else {
            throw TaskProblems([TaskProblem(file: manifestName, message: "not valid UTF-8", hint: "save it as UTF-8")])
        }
        if let crash = TOMLCrashCheck.firstCrash(in: source) ?? TOMLCrashCheck.firstNUL(in: source) {
            throw TaskProblems([TaskProblem(file: manifestName, line: crash.line, message: "TOML syntax: \(crash.message)",
                                            hint: "column \(crash.column)")])
        }
        do {
            return (source, try TOMLTable(string: source))
        } catch let error as TOMLParseError {
            throw TaskProblems([TaskProblem(file: manifestName, line: error.source.begin.line,
                                            message: "TOML syntax: \(error.description)",
                                            hint: "column \(error.source.begin.column)")])
        } catch {
            throw TaskProblems([TaskProblem(file: manifestName, message: "TOML syntax: \(error)")])
        }
    }

    /// Reads a data split's records and validates them against the manifest.
    private struct SplitReader {
        let files: BundleFileReader
        let limits: Limits
        let format: DataFormat
        let validator: RecordValidator

        /// The split's path and examples; nil when it is absent (and not `required`) or unreadable. A
        /// split that is there but holds no records is a problem, `emptyHint` saying what to do.
        func read(_ split: SplitPath?, name: String, emptyHint: String, required: Bool,
                  problems: inout ProblemCollector) -> (path: String, examples: [Example])? {
            guard let split, required || split.isExplicit || files.exists(split.path) else { return nil }
            let bytes: [UInt8]
            do {
                bytes = try files.contents(of: split.path)
            } catch {
                problems.add(file: split.path, error.message, hint: error.hint)
                return nil
            }
            let lines = DataLines(bytes, file: split.path, maxLineBytes: limits.maxLineBytes, maxLines: limits.maxDataLines,
                                  problems: &problems)
            let records = format.parse(lines, file: split.path, problems: &problems)
            if lines.lines.count <= (records.header == nil ? 0 : 1) {
                problems.add(file: split.path, "the \(name) split has no records", hint: emptyHint)
            }
            return (split.path, validator.validate(records, file: split.path, problems: &problems))
        }
    }
}
