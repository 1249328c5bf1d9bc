import PTuning
import TOMLKit

/// A data split's path and whether the manifest named it (a named split must exist; a default dev
/// or test split is used only when its file exists; the train split must always exist).
struct SplitPath: Equatable {
    var path: String
    var isExplicit: Bool
}

/// What the manifest said, as far as it could be read. Fields the loader needs to go on checking the
/// data are kept even when other parts of the manifest are wrong.
struct ManifestDraft {
    var name: String?
    var model: String?
    var kind: (any TaskKind)?
    var template: Template?
    var manualTemplate: Template?
    var bos: Bool?
    var devFraction = DevSplit.defaultFraction
    var crossValidate = true
    var folds: Int?
    var labelField = "label"
    var encoder = EncoderSettings()
    var training = TrainingSettings()
    var limits = JobLimits()
    var search: SearchSettings?
    var links = JobLinks()
    var format = DataFormat.jsonl
    var train: SplitPath?
    var dev: SplitPath?
    var test: SplitPath?
}

/// Reads `task.toml` into a `ManifestDraft`, reporting every problem it finds.
struct ManifestReader {
    let diagnostics: ManifestDiagnostics
    /// The bundle's files, for settings that name one (a fill task's candidates file).
    let files: BundleFileReader
    /// The caps on the files a setting names (their lines' bytes and count).
    let limits: BundleLoader.Limits

    func read(_ root: TOMLTable) -> ManifestDraft {
        var draft = ManifestDraft()
        let top = ManifestTable(root, path: [], validKeys: ManifestKeys.topLevel, diagnostics: diagnostics)

        checkSchema(top)
        draft.name = readName(top)
        draft.model = top.nonEmptyString("model", required: true)
        if let model = draft.model, model.contains("\0") {
            top.problem("model", "contains a NUL character")
            draft.model = nil
        }
        let kindName = readKindName(top)
        if let source = top.string("template", required: true) {
            do {
                draft.template = try Template.parse(source)
            } catch {
                top.problem("template", error.description, hint: "template: \(source)")
            }
        }
        readData(top, into: &draft)
        if let template = draft.template, template.fieldNames.contains(draft.labelField) {
            top.problem("template", "names the label field {\(draft.labelField)}",
                        hint: "the answer would be part of the prompt; the model predicts it at {target}")
        }
        readManualTemplate(top, into: &draft)
        draft.bos = top.bool("bos")
        readKind(kindName, top, into: &draft)
        if let encoder = top.subtable("encoder", validKeys: ManifestKeys.encoder) {
            draft.encoder = readEncoder(encoder)
        }
        if let training = top.subtable("training", validKeys: ManifestKeys.training) {
            draft.training = TrainingReader(table: training).read()
        }
        if let limits = top.subtable("limits", validKeys: ManifestKeys.limits) {
            draft.limits = readLimits(limits)
        }
        if let search = top.subtable("search", validKeys: ManifestKeys.search) {
            draft.search = SearchReader(table: search, training: draft.training, encoder: draft.encoder,
                                        template: draft.template).read()
        }
        draft.links = readLinks(top)
        return draft
    }

    /// `schema`, when given, must be 1.
    func checkSchema(_ top: ManifestTable) {
        guard let schema = top.value("schema") else { return }
        if let value = schema.int, value != 1 {
            top.problem("schema", "schema \(value) is not supported", hint: "this ptune reads schema 1")
        } else if schema.int == nil {
            top.wrongType("schema", schema, expected: "an integer")
        }
    }

    func readName(_ top: ManifestTable) -> String? {
        guard let name = top.string("name", required: true) else { return nil }
        guard JobLinks.isName(name) else {
            top.problem("name", "\"\(name)\" is not a valid task name",
                        hint: "1 to 64 letters, digits, '.', '_' or '-'")
            return nil
        }
        return name
    }

    /// `manual_template`: words only, naming no field the template does not name.
    private func readManualTemplate(_ top: ManifestTable, into draft: inout ManifestDraft) {
        guard let source = top.string("manual_template") else { return }
        let manual: Template
        do {
            manual = try Template.parse(source, manual: true)
        } catch {
            top.problem("manual_template", error.description, hint: "manual_template: \(source)")
            return
        }
        if let template = draft.template,
           let extra = manual.fieldNames.first(where: { !template.fieldNames.contains($0) }) {
            top.problem("manual_template", "names {\(extra)}, a field the template does not name",
                        hint: "the manual template is compared with the P-tuned one on the same fields")
            return
        }
        draft.manualTemplate = manual
    }

    private func readKindName(_ top: ManifestTable) -> String? {
        guard let kind = top.string("kind", required: true) else { return nil }
        guard TaskKinds.named(kind) != nil else {
            var hint = "one of: " + TaskKinds.names.joined(separator: ", ") + ", or predict for a prediction bundle"
            if let close = KeySuggestion.closest(to: kind, among: TaskKinds.names) {
                hint = "did you mean \(close)?; " + hint
            }
            top.problem("kind", "\"\(kind)\" is not a task kind", hint: hint)
            return nil
        }
        return kind
    }

    private func readData(_ top: ManifestTable, into draft: inout ManifestDraft) {
        let data = top.subtable("data", validKeys: ManifestKeys.data)
        let train = data?.nonEmptyString("train")
        if let format = data?.oneOf("format", DataFormat.self) {
            draft.format = format
        } else if let train, train.hasSuffix(".tsv"), data?.contains("format") != true {
            draft.format = .tsv
        }
        let ext = draft.format.rawValue
        if let labelField = data?.nonEmptyString("label_field") {
            if labelField.allSatisfy(Template.isFieldNameCharacter) {
                draft.labelField = labelField
            } else {
                data?.problem("label_field", "\"\(labelField)\" is not a field name",
                              hint: "letters, digits, '_', '-' and '.'")
            }
        }
        func split(_ key: String, default name: String) -> SplitPath? {
            if let data, data.contains(key) {
                guard let path = data.nonEmptyString(key) else { return nil }
                if let error = BundleFileReader.checkRelativePath(path) {
                    data.problem(key, error.message, hint: error.hint)
                    return nil
                }
                return SplitPath(path: path, isExplicit: true)
            }
            return SplitPath(path: name, isExplicit: false)
        }
        if let crossValidate = data?.bool("cross_validate") { draft.crossValidate = crossValidate }
        if let folds = data?.int("folds", in: 2...DevSplit.maximumFolds) {
            if draft.crossValidate {
                draft.folds = folds
            } else {
                data?.problem("folds", "given with cross_validate = false", hint: "keep one of the two")
            }
        }
        if let fraction = data?.number("dev_fraction", allowed: "0 (no dev split carved) up to 0.5", { (0...0.5).contains($0) }) {
            draft.devFraction = fraction
        }
        draft.train = split("train", default: "train.\(ext)")
        draft.dev = split("dev", default: "dev.\(ext)")
        draft.test = split("test", default: "test.\(ext)")
    }

    private func readEncoder(_ table: ManifestTable) -> EncoderSettings {
        var settings = EncoderSettings()
        if let kind = table.oneOf("type", EncoderKind.self) { settings.kind = kind }
        if let hidden = table.int("hidden_size", in: 0...8192) { settings.hiddenSize = hidden }
        if settings.kind == .lstm, !settings.lstmCanSplitHiddenSize {
            table.problem("hidden_size", "\(settings.hiddenSize) is odd, but the lstm encoder splits it between its two directions",
                          hint: "use an even number (\(settings.hiddenSize + 1)), or 0 for the model width")
        }
        let text = table.nonEmptyString("init")
        let ids = table.intArray("init_ids", elementsIn: 0...Int(Int32.max))
        for (key, given) in [("init", text != nil), ("init_ids", ids != nil)] where given && settings.kind != .none {
            table.problem(key, "only used with type = \"none\"",
                          hint: "the \(settings.kind.rawValue) encoder starts from random weights")
        }
        if text != nil, ids != nil {
            table.problem("init_ids", "given together with init", hint: "keep one of the two")
        }
        if settings.kind == .none {
            settings.initText = text
            settings.initTokenIDs = ids
        }
        return settings
    }

    func readLimits(_ table: ManifestTable) -> JobLimits {
        var limits = JobLimits()
        if let threads = table.int("threads", in: 1...1024) { limits.threads = threads }
        if let memory = table.int("memory_mb", in: 64...(1 << 24)) { limits.memoryMB = memory }
        if let priority = table.int("priority", in: -20...20) { limits.priority = priority }
        if let value = table.value("wall_time") {
            let allowed = "seconds (an integer above 0) or a duration such as \"90m\", \"2h\", \"1h30m\"; at most 365 days"
            if let seconds = value.int {
                if (1...JobLimits.maxWallTimeSeconds).contains(seconds) { limits.wallTimeSeconds = seconds } else {
                    table.problem("wall_time", "\(seconds) is out of range", hint: "allowed: \(allowed)")
                }
            } else if let text = value.string {
                if let seconds = WallTime.seconds(text), (1...JobLimits.maxWallTimeSeconds).contains(seconds) {
                    limits.wallTimeSeconds = seconds
                } else {
                    table.problem("wall_time", "\"\(text)\" is not a duration of at most 365 days", hint: "allowed: \(allowed)")
                }
            } else {
                table.wrongType("wall_time", value, expected: "an integer or a string")
            }
        }
        return limits
    }
}
