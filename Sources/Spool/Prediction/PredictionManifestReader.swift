import PTuning
import Tensor
import TOMLKit

/// Reads the `task.toml` of a prediction bundle, reporting every problem it finds.
struct PredictionManifestReader {
    let diagnostics: ManifestDiagnostics
    let reader: ManifestReader

    /// The manifest, or nil when a problem was reported.
    func read(_ root: TOMLTable) -> PredictionManifest? {
        let top = ManifestTable(root, path: [], validKeys: ManifestKeys.predictionTopLevel, diagnostics: diagnostics)
        reader.checkSchema(top)
        let name = reader.readName(top)
        let model = top.nonEmptyString("model")
        let prompt = readPrompt(top)
        let data = top.subtable("data", validKeys: ManifestKeys.predictionData)
        let input = data?.nonEmptyString("input") ?? "input.jsonl"
        if let error = BundleFileReader.checkRelativePath(input) {
            (data ?? top).problem("input", error.message, hint: error.hint)
        }
        var format: DataFormat = input.hasSuffix(".tsv") ? .tsv : .jsonl
        if let given = data?.oneOf("format", DataFormat.self) { format = given }
        var manifest = PredictionManifest(name: name ?? "", model: model, prompt: prompt ?? .file(""), input: input,
                                          format: format)
        if let predict = top.subtable("predict", validKeys: ManifestKeys.predict) {
            if let size = predict.int("batch_size", in: 1...4096) { manifest.batchSize = size }
            if let precision = predict.oneOf("precision", Precision.self) { manifest.precision = precision }
        }
        if let limits = top.subtable("limits", validKeys: ManifestKeys.limits) {
            manifest.limits = reader.readLimits(limits)
        }
        manifest.links = reader.readLinks(top)
        guard diagnostics.collector.isEmpty, name != nil, prompt != nil else { return nil }
        return manifest
    }

    /// `[prompt]`: exactly one of `job`, `file`, or `table` with `task`.
    private func readPrompt(_ top: ManifestTable) -> PromptSource? {
        guard let table = top.subtable("prompt", validKeys: ManifestKeys.prompt) else {
            if !top.contains("prompt") {
                top.problem("prompt", "missing: a prediction bundle names its trained prompt",
                            hint: "[prompt] with job = \"ID\" or \"NAME@latest\", file = \"prompt.safetensors\", "
                                + "or table = \"FILE\" and task = \"NAME\"")
            }
            return nil
        }
        let job = table.nonEmptyString("job")
        let file = table.nonEmptyString("file")
        let tableFile = table.nonEmptyString("table")
        let task = table.nonEmptyString("task")
        let given = [job, file, tableFile].compactMap { $0 }.count
        guard given == 1 else {
            top.problem("prompt", given == 0 ? "names no prompt" : "names \(given) prompts",
                        hint: "give exactly one of job, file, or table (with task)")
            return nil
        }
        if (tableFile == nil) != (task == nil) {
            table.problem(tableFile == nil ? "task" : "table", "table and task go together",
                          hint: "task names the prompt in the table")
            return nil
        }
        for (key, path) in [("file", file), ("table", tableFile)] {
            if let path, let error = BundleFileReader.checkRelativePath(path) {
                table.problem(key, error.message, hint: error.hint)
                return nil
            }
        }
        if let job { return .job(job) }
        if let file { return .file(file) }
        if let tableFile, let task { return .table(file: tableFile, task: task) }
        return nil
    }
}
