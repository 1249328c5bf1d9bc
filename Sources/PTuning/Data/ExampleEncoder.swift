import Base
import LM

/// Turns records into model inputs for one task: fills the template, tokenizes, maps label words to
/// token ids, and cuts over-long inputs.
///
/// Tokenization: the text between two pseudo tokens (literal anchors and field values together) is
/// tokenized as one string. The whitespace that ends the text before `{target}` moves into the target,
/// so `"It was {target}"` with the word `great` predicts the token of `" great"`, the way a
/// byte-level BPE vocabulary spells words after a space. A label word, fill target or choice option
/// longer than one token: classify and fill score its first token; choice scores all of them.
public struct ExampleEncoder: Sendable {
    public let spec: TaskSpec
    public let tokenizer: BPETokenizer
    /// The whitespace that moves from the template into each target.
    public let targetPrefix: String
    /// classify: the first token of each label word, in `labels` order.
    public let labelTokens: [Int]
    /// fill: the candidate tokens (nil: the whole vocabulary).
    public let candidateTokens: [Int]?

    /// Builds the encoder and checks the task (label words, candidates, the prompt's starting token
    /// ids) against the vocabulary: every problem is reported.
    public init(spec: TaskSpec, tokenizer: BPETokenizer) throws(TaskProblems) {
        self.spec = spec
        self.tokenizer = tokenizer
        var prefix = ""
        if let last = spec.template.parts.dropLast().last, case .text(let text) = last {
            prefix = String(text.reversed().prefix { $0 == " " || $0 == "\t" }.reversed())
        }
        targetPrefix = prefix
        var problems: [TaskProblem] = []
        var labelTokens: [Int] = []
        var candidates: [Int]?
        switch spec.kind {
        case .classify(let labels):
            for label in labels {
                let ids = tokenizer.encode(prefix + label.word, parseSpecial: false)
                guard let first = ids.first else {
                    problems.append(TaskProblem(file: "task.toml", field: "labels.\(label.label)",
                                                message: "the label word \"\(label.word)\" encodes to no tokens",
                                                hint: "give a non-empty word"))
                    continue
                }
                if labelTokens.contains(first) {
                    problems.append(TaskProblem(file: "task.toml", field: "labels.\(label.label)",
                                                message: "the label word \"\(label.word)\" starts with the same token as another label's word",
                                                hint: "label words must differ in their first token, the one that is scored"))
                }
                labelTokens.append(first)
            }
        case .fill(let words):
            if let words {
                var seen = Set<Int>()
                candidates = []
                for word in words {
                    guard let first = tokenizer.encode(prefix + word, parseSpecial: false).first else { continue }
                    if seen.insert(first).inserted { candidates?.append(first) }
                }
                if candidates?.isEmpty ?? true {
                    problems.append(TaskProblem(file: "task.toml", field: "fill.candidates",
                                                message: "no candidate encodes to a token", hint: "list non-empty words"))
                }
            }
        case .choice:
            break
        }
        if let bad = spec.encoder.initTokenIDs?.first(where: { $0 >= tokenizer.vocabularySize }) {
            problems.append(TaskProblem(file: "task.toml", field: "encoder.init_ids",
                                        message: "token id \(bad) is not in the vocabulary",
                                        hint: "ids run from 0 to \(tokenizer.vocabularySize - 1)"))
        }
        self.labelTokens = labelTokens
        self.candidateTokens = candidates
        if !problems.isEmpty { throw TaskProblems(problems) }
    }

    /// Encodes every record, collecting a problem for each record that cannot be used.
    public func encode(_ examples: [Example]) throws(TaskProblems) -> [EncodedExample] {
        var out: [EncodedExample] = []
        var problems: [TaskProblem] = []
        for example in examples {
            do {
                out.append(try encode(example))
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw TaskProblems(problems) }
        return out
    }

    /// Encodes one record.
    public func encode(_ example: Example) throws(TaskProblem) -> EncodedExample {
        let (file, line) = Self.split(example.source)
        func problem(_ field: String?, _ message: String, _ hint: String? = nil) -> TaskProblem {
            TaskProblem(file: file, line: line, field: field, message: message, hint: hint)
        }
        let labelValue = example.fields[spec.labelField]
        let target: EncodedExample.Target
        var targetLength = 1
        switch spec.kind {
        case .classify(let labels):
            var index: Int?
            if let labelValue {
                index = labels.firstIndex { $0.label == labelValue }
                if index == nil {
                    throw problem(spec.labelField, "label \"\(labelValue)\" has no label word",
                                  "known labels: \(labels.map(\.label).joined(separator: ", "))")
                }
            }
            target = .label(index)
        case .fill:
            let id = labelValue.flatMap { tokenizer.encode(targetPrefix + $0, parseSpecial: false).first }
            if let labelValue, id == nil { throw problem(spec.labelField, "target \"\(labelValue)\" encodes to no tokens") }
            target = .token(id)
        case .choice(let fields, _):
            var options: [[Int]] = []
            for field in fields {
                guard let text = example.fields[field] else { throw problem(field, "missing choice field") }
                let ids = tokenizer.encode(targetPrefix + text, parseSpecial: false)
                if ids.isEmpty { throw problem(field, "the option encodes to no tokens") }
                options.append(ids)
            }
            var answer: Int?
            if let labelValue {
                guard let i = Int(labelValue), options.indices.contains(i) else {
                    throw problem(spec.labelField, "answer \"\(labelValue)\" is not an option index",
                                  "use 0..<\(options.count)")
                }
                answer = i
            }
            targetLength = options.map(\.count).max() ?? 1
            target = .options(options, answer: answer)
        }
        let inputs = try inputs(for: example, reserving: targetLength, problem: problem)
        return EncodedExample(inputs: inputs, target: target, source: example.source)
    }

    /// The template filled with the record's fields, cut to `maxLength - reserve` tokens by shortening
    /// the longest field from its end.
    private func inputs(for example: Example, reserving reserve: Int,
                        problem: (String?, String, String?) -> TaskProblem) throws(TaskProblem) -> [DecoderInput] {
        var values: [String: String] = [:]
        for name in spec.template.fieldNames {
            guard let v = example.fields[name] else { throw problem(name, "missing field the template names", nil) }
            values[name] = v
        }
        let budget = spec.training.maxLength - reserve
        var fieldTokens = values.mapValues { tokenizer.encode($0, parseSpecial: false) }
        while true {
            let inputs = assemble(values)
            if inputs.isEmpty {
                throw problem(nil, "the template gives this record no input tokens",
                              "the model needs at least one token before {target}")
            }
            if inputs.count <= budget { return inputs }
            guard let (name, tokens) = fieldTokens.max(by: { $0.value.count < $1.value.count }), !tokens.isEmpty else {
                throw problem(nil, "the template alone is longer than max_length (\(spec.training.maxLength) tokens)",
                              "raise training.max_length or shorten the template")
            }
            let cut = Array(tokens.dropLast(max(1, min(tokens.count, inputs.count - budget))))
            fieldTokens[name] = cut
            values[name] = tokenizer.decode(cut)
        }
    }

    /// Pseudo tokens as prompt-table rows; each text run between them tokenized as one string.
    private func assemble(_ values: [String: String]) -> [DecoderInput] {
        var inputs: [DecoderInput] = []
        var row = 0
        var run = ""
        func flush() {
            if !run.isEmpty { inputs += tokenizer.encode(run, parseSpecial: false).map(DecoderInput.token) }
            run = ""
        }
        for part in spec.template.parts {
            switch part {
            case .pseudo(let count):
                flush()
                for _ in 0..<count {
                    inputs.append(.embedding(row))
                    row += 1
                }
            case .text(let text):
                run += text
            case .field(let name):
                run += values[name] ?? ""
            case .target:
                if run.hasSuffix(targetPrefix) { run.removeLast(targetPrefix.count) }
                flush()
            }
        }
        flush()
        return inputs
    }

    /// "train.jsonl:17" -> ("train.jsonl", 17)
    private static func split(_ source: String) -> (String, Int?) {
        guard let colon = source.lastIndex(of: ":"), let line = Int(source[source.index(after: colon)...]) else {
            return (source, nil)
        }
        return (String(source[..<colon]), line)
    }
}
