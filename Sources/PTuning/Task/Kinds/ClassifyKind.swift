import Base
import Foundation
import Tensor

/// Classification: each label maps to a label word; the loss is cross-entropy over the label words'
/// logits at the target position. A multi-token label word is scored by its first token.
///
/// Manifest: `[labels]`, one line per label value: `"value" = "label word"`.
public struct ClassifyKind: TaskKind {
    public static let name = "classify"
    public static let manifestTable = "labels"
    public static let manifestKeys: [String]? = nil
    public static let primaryMetric = MetricName.accuracy

    public let labels: [LabelWord]
    /// Each label's index in `labels` (the first, should one repeat), for looking up every record's.
    private let indexByLabel: [String: Int]

    public init(labels: [LabelWord]) {
        self.labels = labels
        indexByLabel = Dictionary(labels.enumerated().map { ($1.label, $0) }) { first, _ in first }
    }

    public static func read(_ manifest: some KindManifest) -> ClassifyKind? {
        guard manifest.hasTable else {
            manifest.problem(nil, "missing [labels] table",
                             hint: "classify needs one line per label value: \"value\" = \"label word\"")
            return nil
        }
        var words: [LabelWord] = []
        var unread = false
        for key in manifest.keys {
            if let word = manifest.nonEmptyString(key) {
                words.append(LabelWord(label: key, word: word))
            } else {
                unread = true
            }
        }
        let problems = labelProblems(words).filter { $0.entry != nil || !unread }
        for problem in problems { manifest.problem(problem.entry, problem.message, hint: problem.hint) }
        return unread || !problems.isEmpty ? nil : ClassifyKind(labels: words)
    }

    /// What makes `labels` unusable, each problem naming its label (none: the list as a whole); empty
    /// when they are usable. task.toml and prompt files are held to these same rules.
    static func labelProblems(_ labels: [LabelWord]) -> [KindRuleProblem] {
        var problems: [KindRuleProblem] = []
        var labelByWord: [String: String] = [:]
        var seen = Set<String>()
        for label in labels {
            if label.label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems.append(KindRuleProblem(entry: label.label, "the label contains a control character",
                                                hint: "labels are the values of the records' label field, as plain text"))
            } else if !seen.insert(label.label).inserted {
                problems.append(KindRuleProblem(entry: label.label, "the label is listed twice"))
            } else if label.word.isEmpty {
                problems.append(KindRuleProblem(entry: label.label, "the label word is empty"))
            } else if let other = labelByWord[label.word] {
                problems.append(KindRuleProblem(entry: label.label, "label word \"\(label.word)\" is also the word for label \"\(other)\"",
                                                hint: "each label needs its own word"))
            } else {
                labelByWord[label.word] = label.label
            }
        }
        if problems.isEmpty, labels.count < 2 {
            problems.append(KindRuleProblem("\(labels.count) label\(labels.count == 1 ? "" : "s"); classify needs at least 2"))
        }
        return problems
    }

    public func answerProblem(_ value: String, field: String) -> AnswerProblem? {
        guard indexByLabel[value] == nil else { return nil }
        return AnswerProblem(field: field, "label \"\(value)\" has no label word",
                             hint: "known labels: \(labels.map(\.label).joined(separator: ", ")); add it to [labels]")
    }

    /// The first token of each label word, in label order.
    public func answerTokens(_ encoding: AnswerEncoding) -> (tokens: [Int]?, problems: [TaskProblem]) {
        var tokens: [Int] = []
        var problems: [TaskProblem] = []
        for label in labels {
            guard let first = encoding.tokens(label.word).first else {
                problems.append(TaskProblem(file: "task.toml", field: "labels.\(label.label)",
                                            message: "the label word \"\(label.word)\" encodes to no tokens",
                                            hint: "give a non-empty word"))
                continue
            }
            if tokens.contains(first) {
                problems.append(TaskProblem(file: "task.toml", field: "labels.\(label.label)",
                                            message: "the label word \"\(label.word)\" starts with the same token as another label's word",
                                            hint: "label words must differ in their first token, the one that is scored"))
            }
            tokens.append(first)
        }
        return (tokens, problems)
    }

    public func encodeAnswer(_ value: String?, of example: Example,
                             encoding: AnswerEncoding) throws(AnswerProblem) -> EncodedAnswer {
        guard let value else { return EncodedAnswer(answer: nil) }
        guard let index = indexByLabel[value] else {
            throw AnswerProblem(field: encoding.labelField, "label \"\(value)\" has no label word",
                                hint: "known labels: \(labels.map(\.label).joined(separator: ", "))")
        }
        return EncodedAnswer(answer: index)
    }

    public func loss(gold: Int, scoring: AnswerScoring, gradient: FloatBuffer, scale: Double) -> Double {
        scoring.crossEntropy(over: scoring.answerTokens, gold: gold, gradient: gradient, scale: scale)
    }

    /// Every label with its probability, a softmax over the label words' logits.
    public func prediction(for example: EncodedExample, scoring: AnswerScoring) -> Prediction {
        let row = scoring.rowValues
        let probabilities = AnswerScoring.softmax((scoring.answerTokens ?? []).map { Double(row[$0]) })
        let scored = zip(labels, probabilities).map { Prediction.Scored(answer: $0.label, probability: $1) }
        let best = scored.indices.max { scored[$0].probability < scored[$1].probability } ?? 0
        return Prediction(source: example.source, predicted: labels[best].label, gold: example.answer.map { labels[$0].label },
                          top: scored.sorted { $0.probability > $1.probability }, goldInTop10: nil,
                          goldProbability: example.answer.flatMap { probabilities.indices.contains($0) ? probabilities[$0] : nil })
    }

    public func answerText(_ answer: Int, encoding: AnswerEncoding) -> String {
        labels.indices.contains(answer) ? labels[answer].label : String(answer)
    }

    public func uniformLoss(vocabularySize: Int, answerTokens: [Int]?) -> Double { log(Double(labels.count)) }

    /// Accuracy and the mean F1 over labels.
    public func metrics(of labelled: [Prediction]) -> Metrics {
        let f1s = labels.map { label -> Double in
            let tp = Double(labelled.filter { $0.predicted == label.label && $0.gold == label.label }.count)
            let fp = Double(labelled.filter { $0.predicted == label.label && $0.gold != label.label }.count)
            let fn = Double(labelled.filter { $0.predicted != label.label && $0.gold == label.label }.count)
            return tp == 0 ? 0 : 2 * tp / (2 * tp + fp + fn)
        }
        return Metrics(count: labelled.count,
                       values: [.accuracy: Metrics.correctFraction(labelled),
                                .macroF1: f1s.reduce(0, +) / Double(max(f1s.count, 1))],
                       primary: Self.primaryMetric)
    }

    public static let absentPromptMetadata = ["label_words": "null"]

    public func promptMetadata() throws -> [String: String] {
        ["label_words": try PromptMetadataReader.json(labels)]
    }

    public static func read(promptMetadata: PromptMetadataReader) throws -> ClassifyKind {
        let labels: [LabelWord] = try promptMetadata.json("label_words")
        if let problem = labelProblems(labels).first { throw promptMetadata.invalid("label_words", problem.summary) }
        return ClassifyKind(labels: labels)
    }

    /// The label words with the token that scores each.
    public func describe(_ task: inout RunReport.Task, answerTokens: [Int]?) {
        let tokens = answerTokens ?? []
        task.labelWords = labels.enumerated().map { index, label in
            RunReport.LabelWord(label: label.label, word: label.word, token: index < tokens.count ? tokens[index] : nil)
        }
    }
}

/// A label value and the word the model should produce for it.
public struct LabelWord: Sendable, Equatable, Codable {
    /// The value as it appears in the data's label field.
    public var label: String
    /// The word, e.g. "great"; a leading space is added when the template puts a space before `{target}`.
    public var word: String

    public init(label: String, word: String) {
        self.label = label
        self.word = word
    }
}
