import PTuning
import TOMLKit

/// The kind-specific tables of a manifest: `[labels]` for classify, `[fill]` for fill, `[choice]`
/// for choice.
extension ManifestReader {
    func readKind(_ kindName: String?, _ top: ManifestTable, into draft: inout ManifestDraft) {
        for (table, owner) in [("labels", "classify"), ("fill", "fill"), ("choice", "choice")]
        where kindName != nil && kindName != owner && top.contains(table) {
            top.problem(table, "[\(table)] is only used with kind = \"\(owner)\"",
                        hint: "remove it or change kind (now \"\(kindName ?? "")\")")
        }
        switch kindName {
        case "classify":
            if let labels = readLabels(top) { draft.kind = .classify(labels: labels) }
        case "fill":
            readFill(top, into: &draft)
        case "choice":
            if let choice = readChoice(top, labelField: draft.labelField) {
                draft.kind = .choice(choiceFields: choice.fields, margin: choice.margin)
            }
        default:
            break
        }
    }

    private func readLabels(_ top: ManifestTable) -> [LabelWord]? {
        guard let value = top.value("labels") else {
            top.problem("labels", "missing [labels] table",
                        hint: "classify needs one line per label value: \"value\" = \"label word\"")
            return nil
        }
        guard let table = value.table else { top.wrongType("labels", value, expected: "a table"); return nil }
        let labels = ManifestTable(table, path: ["labels"], validKeys: table.keys, diagnostics: diagnostics)
        var words: [LabelWord] = []
        var ok = true
        for key in table.keys {
            if key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                labels.problem(key, "the label contains a control character",
                               hint: "labels are the values of the records' label field, as plain text")
                ok = false
                continue
            }
            guard let word = labels.nonEmptyString(key) else { ok = false; continue }
            if let other = words.first(where: { $0.word == word }) {
                labels.problem(key, "label word \"\(word)\" is also the word for label \"\(other.label)\"",
                               hint: "each label needs its own word")
                ok = false
            }
            words.append(LabelWord(label: key, word: word))
        }
        if ok, words.count < 2 {
            top.problem("labels", "\(words.count) label\(words.count == 1 ? "" : "s"); classify needs at least 2")
            ok = false
        }
        return ok ? words : nil
    }

    private func readFill(_ top: ManifestTable, into draft: inout ManifestDraft) {
        guard let fill = top.subtable("fill", validKeys: ManifestKeys.fill) else {
            if !top.contains("fill") { draft.kind = .fill(candidates: nil) }
            return
        }
        let list = fill.stringArray("candidates")
        let file = fill.nonEmptyString("candidates_file")
        if fill.contains("candidates"), fill.contains("candidates_file") {
            fill.problem("candidates_file", "give candidates or candidates_file, not both")
            return
        }
        if let list {
            if let problem = CandidateList.problem(list) {
                fill.problem("candidates", problem)
            } else {
                draft.kind = .fill(candidates: list)
            }
        } else if let file {
            if let error = BundleFileReader.checkRelativePath(file) {
                fill.problem("candidates_file", error.message, hint: error.hint)
            } else {
                draft.candidatesFile = file
            }
        } else if !fill.contains("candidates"), !fill.contains("candidates_file") {
            draft.kind = .fill(candidates: nil)
        }
    }

    private func readChoice(_ top: ManifestTable, labelField: String) -> (fields: [String], margin: Float)? {
        guard let choice = top.subtable("choice", validKeys: ManifestKeys.choice) else {
            if !top.contains("choice") {
                top.problem("choice", "missing [choice] table",
                            hint: "choice needs fields = [\"choice1\", \"choice2\", ...]: the record fields holding the options")
            }
            return nil
        }
        let margin = choice.number("margin", allowed: "greater than 0") { $0 > 0 }
        var ok = margin != nil || !choice.contains("margin")
        guard choice.contains("fields") else {
            choice.problem("fields", "missing required key",
                           hint: "fields = [\"choice1\", \"choice2\", ...]: the record fields holding the options")
            return nil
        }
        guard let fields = choice.stringArray("fields") else { return nil }
        if fields.count < 2 {
            choice.problem("fields", "\(fields.count) option field\(fields.count == 1 ? "" : "s"); choice needs at least 2")
            ok = false
        }
        if let bad = fields.first(where: { $0.isEmpty || !$0.allSatisfy(Template.isFieldNameCharacter) }) {
            choice.problem("fields", "\"\(bad)\" is not a field name", hint: "letters, digits, '_', '-' and '.'")
            ok = false
        }
        if Set(fields).count != fields.count {
            choice.problem("fields", "a field is listed twice")
            ok = false
        }
        if fields.contains(labelField) {
            choice.problem("fields", "\"\(labelField)\" is the label field",
                           hint: "the label field holds the index of the right option")
            ok = false
        }
        return ok ? (fields, Float(margin ?? 1)) : nil
    }
}
