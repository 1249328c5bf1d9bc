import Base
import Foundation
import Tensor

/// Multiple choice: the record fields named in `fields` hold the options; each option is scored by
/// the summed log-probability of its tokens in the target slot; the label field holds the index of the
/// right one. Trained with a margin (hinge) loss between the right option and each other one.
///
/// Manifest: `[choice]` with `fields = ["choice1", "choice2", ...]` and an optional `margin` (1).
public struct ChoiceKind: TaskKind {
    public static let name = "choice"
    public static let manifestTable = "choice"
    public static let manifestKeys: [String]? = ["fields", "margin"]
    public static let primaryMetric = MetricName.accuracy

    /// The record fields holding the options, in answer-index order.
    public var fields: [String]
    public var margin: Float

    public init(fields: [String], margin: Float) {
        self.fields = fields
        self.margin = margin
    }

    public var recordFields: [String] { fields }

    public static func read(_ manifest: some KindManifest) -> ChoiceKind? {
        let fieldsHint = "fields = [\"choice1\", \"choice2\", ...]: the record fields holding the options"
        guard manifest.hasTable else {
            manifest.problem(nil, "missing [choice] table", hint: "choice needs " + fieldsHint)
            return nil
        }
        let margin = manifest.number("margin", allowed: "greater than 0") { $0 > 0 }
        var ok = margin != nil || !manifest.contains("margin")
        guard manifest.contains("fields") else {
            manifest.problem("fields", "missing required key", hint: fieldsHint)
            return nil
        }
        guard let fields = manifest.stringArray("fields") else { return nil }
        for problem in fieldProblems(fields, labelField: manifest.labelField) {
            manifest.problem("fields", problem.message, hint: problem.hint)
            ok = false
        }
        return ok ? ChoiceKind(fields: fields, margin: Float(margin ?? 1)) : nil
    }

    /// What makes `fields` unusable as the option fields of records whose answer is in `labelField`;
    /// empty when they are usable. task.toml and prompt files are held to these same rules.
    static func fieldProblems(_ fields: [String], labelField: String) -> [KindRuleProblem] {
        var problems: [KindRuleProblem] = []
        if fields.count < 2 {
            problems.append(KindRuleProblem("\(fields.count) option field\(fields.count == 1 ? "" : "s"); choice needs at least 2"))
        }
        if let bad = fields.first(where: { $0.isEmpty || !$0.allSatisfy(Template.isFieldNameCharacter) }) {
            problems.append(KindRuleProblem("\"\(bad)\" is not a field name", hint: "letters, digits, '_', '-' and '.'"))
        }
        if Set(fields).count != fields.count {
            problems.append(KindRuleProblem("a field is listed twice"))
        }
        if fields.contains(labelField) {
            problems.append(KindRuleProblem("\"\(labelField)\" is the label field",
                                            hint: "the label field holds the index of the right option"))
        }
        return problems
    }

    public func answerProblem(_ value: String, field: String) -> AnswerProblem? {
        guard let index = Int(value), fields.indices.contains(index) else {
            return AnswerProblem(field: field, "label \"\(value)\" is not an option index",
                                 hint: "expected 0...\(fields.count - 1), the position in [choice] fields (\(fields.joined(separator: ", ")))")
        }
        return nil
    }

    public func answerTokens(_ encoding: AnswerEncoding) -> (tokens: [Int]?, problems: [TaskProblem]) { (nil, []) }

    /// Every option's tokens as a continuation, and the right option's index.
    public func encodeAnswer(_ value: String?, of example: Example,
                             encoding: AnswerEncoding) throws(AnswerProblem) -> EncodedAnswer {
        var options: [[Int]] = []
        for field in fields {
            guard let text = example.fields[field] else { throw AnswerProblem(field: field, "missing choice field") }
            let ids = encoding.tokens(text)
            if ids.isEmpty { throw AnswerProblem(field: field, "the option encodes to no tokens") }
            options.append(ids)
        }
        guard let value else { return EncodedAnswer(answer: nil, continuations: options) }
        guard let index = Int(value), options.indices.contains(index) else {
            throw AnswerProblem(field: encoding.labelField, "answer \"\(value)\" is not an option index",
                                hint: "use 0..<\(options.count)")
        }
        return EncodedAnswer(answer: index, continuations: options)
    }

    /// max(0, margin - (s_gold - s_k)) summed over the wrong options k.
    public func loss(gold: Int, scoring: AnswerScoring, gradient: FloatBuffer, scale: Double) -> Double {
        let scores = scoring.continuations.indices.map(scoring.continuationScore)
        var loss = 0.0
        for k in scores.indices where k != gold {
            let violation = Double(margin) - (scores[gold] - scores[k])
            guard violation > 0 else { continue }
            loss += violation
            scoring.addContinuationGradient(gold, sign: -scale, gradient: gradient)
            scoring.addContinuationGradient(k, sign: scale, gradient: gradient)
        }
        return loss
    }

    /// Every option with its probability, a softmax over the option scores.
    public func prediction(for example: EncodedExample, scoring: AnswerScoring) -> Prediction {
        let scores = scoring.continuations.indices.map(scoring.continuationScore)
        let probabilities = AnswerScoring.softmax(scores)
        let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
        return Prediction(source: example.source, predicted: String(best), gold: example.answer.map(String.init),
                          top: probabilities.enumerated().map { Prediction.Scored(answer: String($0.offset), probability: $0.element) },
                          goldInTop10: nil,
                          goldProbability: example.answer.flatMap { probabilities.indices.contains($0) ? probabilities[$0] : nil })
    }

    public func answerText(_ answer: Int, encoding: AnswerEncoding) -> String { String(answer) }

    /// Equal scores leave the margin to pay against each wrong option.
    public func uniformLoss(vocabularySize: Int, answerTokens: [Int]?) -> Double {
        Double(margin) * Double(fields.count - 1)
    }

    public func metrics(of labelled: [Prediction]) -> Metrics {
        Metrics(count: labelled.count, values: [.accuracy: Metrics.correctFraction(labelled)], primary: Self.primaryMetric)
    }

    public static let absentPromptMetadata = ["choice_fields": "null", "choice_margin": Float(0).description]

    public func promptMetadata() throws -> [String: String] {
        ["choice_fields": try PromptMetadataReader.json(fields), "choice_margin": margin.description]
    }

    public static func read(promptMetadata: PromptMetadataReader) throws -> ChoiceKind {
        let fields: [String] = try promptMetadata.json("choice_fields")
        if let problem = fieldProblems(fields, labelField: try promptMetadata.string("label_field")).first {
            throw promptMetadata.invalid("choice_fields", problem.summary)
        }
        return ChoiceKind(fields: fields,
                          margin: try promptMetadata.number("choice_margin", in: Float.leastNormalMagnitude...Float.greatestFiniteMagnitude))
    }

    public func describe(_ task: inout RunReport.Task, answerTokens: [Int]?) {
        task.choiceFields = fields
        task.choiceMargin = Double(shortest: margin)
    }
}
