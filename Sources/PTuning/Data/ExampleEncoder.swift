import Base
import LM

/// Turns records into model inputs for one task: fills the template, tokenizes, maps label words to
/// token ids, and cuts over-long inputs.
///
/// Tokenization: the text between two pseudo tokens (literal anchors and field values together) is
/// tokenized as one string. The whitespace that ends the text before `{target}` moves into the target,
/// so `"It was {target}"` with the word `great` predicts the token of `" great"`, the way a
/// byte-level BPE vocabulary spells words after a space. How an answer becomes tokens is the task
/// kind's (`TaskKind.encodeAnswer`).
///
/// BOS: when the task's `bos` (else the model file) says so, the template's text begins with the
/// model's BOS token, as the model's own encoding of a text does; pseudo tokens at the template's head
/// stand before it, as PEFT's virtual tokens stand before the encoded input, so a PEFT export of a
/// prefix-only template still reproduces the run exactly.
public struct ExampleEncoder: Sendable {
    /// The task, its `bos` resolved against the model.
    public let spec: TaskSpec
    public let tokenizer: BPETokenizer
    /// The token the template's text begins with: the model's BOS when `spec.bos` is true, else nil.
    public var bosID: Int? { spec.bos == true ? tokenizer.bosID : nil }
    /// The whitespace that moves from the template into each target.
    public let targetPrefix: String
    /// The tokens answers are scored among (`TaskKind.answerTokens`): classify the first token of each
    /// label word, fill the candidates' (nil: the whole vocabulary), choice none.
    public let answerTokens: [Int]?
    /// The tokenizer and target prefix, as the task kind encodes answers with them.
    public var answerEncoding: AnswerEncoding {
        AnswerEncoding(tokenizer: tokenizer, targetPrefix: targetPrefix, labelField: spec.labelField)
    }

    /// Builds the encoder and checks the task (label words, candidates, the prompt's starting token
    /// ids) against the vocabulary: every problem is reported.
    public init(spec: TaskSpec, tokenizer: BPETokenizer) throws(TaskProblems) {
        var problems: [TaskProblem] = []
        if spec.bos == true, tokenizer.bosID == nil {
            problems.append(TaskProblem(file: "task.toml", field: "bos", message: "the model names no BOS token",
                                        hint: "remove bos, or set it to false"))
        }
        var resolved = spec
        resolved.bos = tokenizer.bosID != nil && (spec.bos ?? tokenizer.addBOS)
        self.spec = resolved
        self.tokenizer = tokenizer
        var prefix = ""
        if let last = spec.template.parts.dropLast().last, case .text(let text) = last {
            prefix = String(text.reversed().prefix { $0 == " " || $0 == "\t" }.reversed())
        }
        targetPrefix = prefix
        let (tokens, kindProblems) = spec.kind.answerTokens(
            AnswerEncoding(tokenizer: tokenizer, targetPrefix: prefix, labelField: spec.labelField))
        problems += kindProblems
        if let bad = spec.encoder.initTokenIDs?.first(where: { $0 >= tokenizer.vocabularySize }) {
            problems.append(TaskProblem(file: "task.toml", field: "encoder.init_ids",
                                        message: "token id \(bad) is not in the vocabulary",
                                        hint: "ids run from 0 to \(tokenizer.vocabularySize - 1)"))
        }
        answerTokens = tokens
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
        let answer: EncodedAnswer
        do {
            answer = try spec.kind.encodeAnswer(example.fields[spec.labelField], of: example, encoding: answerEncoding)
        } catch {
            throw problem(error.field, error.message, error.hint)
        }
        let targetLength = answer.continuations.map(\.count).max() ?? 1
        let inputs = try inputs(for: example, reserving: targetLength, problem: problem)
        return EncodedExample(inputs: inputs, answer: answer, source: example.source)
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

    /// Pseudo tokens as prompt-table rows; each text run between them tokenized as one string; the BOS
    /// (`bosID`) after the pseudo tokens the template begins with.
    private func assemble(_ values: [String: String]) -> [DecoderInput] {
        var inputs: [DecoderInput] = []
        var bos = bosID
        var row = 0
        var run = ""
        func flush() {
            if !run.isEmpty { inputs += tokenizer.encode(run, parseSpecial: false).map(DecoderInput.token) }
            run = ""
        }
        for part in spec.template.parts {
            if let token = bos, part.isText {
                inputs.append(.token(token))
                bos = nil
            }
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
