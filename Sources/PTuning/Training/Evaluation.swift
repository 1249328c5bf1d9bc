import Foundation
import LM
import Tensor

/// The model's answer for one record.
public struct Prediction: Sendable, Codable, Equatable {
    /// "test.jsonl:12"
    public var source: String
    /// The predicted label (classify), token text (fill) or option index (choice).
    public var predicted: String
    /// The gold answer, when the record has one.
    public var gold: String?
    /// The top answers with their probabilities (classify: every label, softmax over label words;
    /// fill: the ten best, softmax over the candidates or the vocabulary; choice: every option,
    /// softmax over the option scores).
    public var top: [Scored]
    /// fill: whether gold is within the ten best.
    public var goldInTop10: Bool?

    public struct Scored: Sendable, Codable, Equatable {
        public var answer: String
        public var probability: Double
    }

    public var correct: Bool? { gold.map { $0 == predicted } }
}

/// Metrics of one split. `primary` is what early stopping and seed summaries use.
public struct Metrics: Sendable, Codable, Equatable {
    public var count: Int
    /// classify and choice.
    public var accuracy: Double?
    /// classify: the mean F1 over labels.
    public var macroF1: Double?
    /// fill: precision at 1 and at 10 (the gold token first / within the ten best).
    public var pAt1: Double?
    public var pAt10: Double?

    /// Accuracy, or P@1 for fill.
    public var primary: Double { accuracy ?? pAt1 ?? 0 }

    enum CodingKeys: String, CodingKey {
        case count, accuracy
        case macroF1 = "macro_f1"
        case pAt1 = "p_at_1"
        case pAt10 = "p_at_10"
    }

    public init(count: Int, accuracy: Double? = nil, macroF1: Double? = nil, pAt1: Double? = nil, pAt10: Double? = nil) {
        self.count = count
        self.accuracy = accuracy
        self.macroF1 = macroF1
        self.pAt1 = pAt1
        self.pAt10 = pAt10
    }

    /// The metrics of labelled predictions.
    public static func of(_ predictions: [Prediction], kind: TaskKind) -> Metrics {
        let labelled = predictions.filter { $0.gold != nil }
        let n = Double(max(labelled.count, 1))
        let correct = Double(labelled.filter { $0.correct == true }.count)
        switch kind {
        case .classify(let labels):
            let f1s = labels.map { label -> Double in
                let tp = Double(labelled.filter { $0.predicted == label.label && $0.gold == label.label }.count)
                let fp = Double(labelled.filter { $0.predicted == label.label && $0.gold != label.label }.count)
                let fn = Double(labelled.filter { $0.predicted != label.label && $0.gold == label.label }.count)
                return tp == 0 ? 0 : 2 * tp / (2 * tp + fp + fn)
            }
            return Metrics(count: labelled.count, accuracy: correct / n,
                           macroF1: f1s.reduce(0, +) / Double(max(f1s.count, 1)))
        case .fill:
            let top10 = Double(labelled.filter { $0.goldInTop10 == true }.count)
            return Metrics(count: labelled.count, pAt1: correct / n, pAt10: top10 / n)
        case .choice:
            return Metrics(count: labelled.count, accuracy: correct / n)
        }
    }
}

/// Runs a prompt table over records and reads off predictions.
public struct Evaluator: Sendable {
    public let model: LanguageModel
    public let encoder: ExampleEncoder

    public init(model: LanguageModel, encoder: ExampleEncoder) {
        self.model = model
        self.encoder = encoder
    }

    /// Predictions for every example, `batchSize` at a time; `progress(done)` after each batch.
    public func predict(_ examples: [EncodedExample], table: FloatBuffer, batchSize: Int,
                        progress: ((Int) -> Void)? = nil) -> [Prediction] {
        let objective = Objective(encoder: encoder, vocabularySize: model.transformer.config.vocabSize)
        var out: [Prediction] = []
        out.reserveCapacity(examples.count)
        var start = 0
        while start < examples.count {
            let chunk = Array(examples[start..<min(examples.count, start + batchSize)])
            let plan = objective.plan(chunk, table: table)
            let logits = model.transformer.forward(plan.batch, logitsAt: plan.positions, saveForBackward: false).logits
            for (i, example) in chunk.enumerated() {
                out.append(prediction(example, index: i, plan: plan, logits: logits, objective: objective))
            }
            start += chunk.count
            progress?(start)
        }
        return out
    }

    private func prediction(_ example: EncodedExample, index i: Int, plan: Objective.Plan, logits: FloatBuffer,
                            objective: Objective) -> Prediction {
        let V = model.transformer.config.vocabSize
        let row = Array(UnsafeBufferPointer(start: logits.pointer + i * V, count: V))
        switch (encoder.spec.kind, example.target) {
        case (.classify(let labels), .label(let gold)):
            let probabilities = softmax(encoder.labelTokens.map { Double(row[$0]) })
            let scored = zip(labels, probabilities).map { Prediction.Scored(answer: $0.label, probability: $1) }
            let best = scored.indices.max { scored[$0].probability < scored[$1].probability } ?? 0
            return Prediction(source: example.source, predicted: labels[best].label, gold: gold.map { labels[$0].label },
                              top: scored.sorted { $0.probability > $1.probability }, goldInTop10: nil)
        case (.fill, .token(let gold)):
            let ids = encoder.candidateTokens ?? Array(0..<V)
            let probabilities = softmax(ids.map { Double(row[$0]) })
            let order = ids.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
            let top = order.prefix(10).map { Prediction.Scored(answer: token(ids[$0]), probability: probabilities[$0]) }
            let goldText = gold.map(token)
            return Prediction(source: example.source, predicted: top.first?.answer ?? "", gold: goldText, top: top,
                              goldInTop10: gold.map { g in order.prefix(10).contains { ids[$0] == g } })
        case (.choice, .options(_, let gold)):
            let scores = plan.optionRows[i].map { objective.optionScore($0, logits: logits) }
            let probabilities = softmax(scores)
            let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
            return Prediction(source: example.source, predicted: String(best), gold: gold.map(String.init),
                              top: probabilities.enumerated().map { Prediction.Scored(answer: String($0.offset), probability: $0.element) },
                              goldInTop10: nil)
        default:
            preconditionFailure("an example's target does not match the task kind")
        }
    }

    /// An answer as predictions name it: the label (classify), the token's text (fill) or the option
    /// index (choice).
    func answerText(_ answer: Int) -> String {
        switch encoder.spec.kind {
        case .classify(let labels): labels.indices.contains(answer) ? labels[answer].label : String(answer)
        case .fill: token(answer)
        case .choice: String(answer)
        }
    }

    /// The token's text without the whitespace the template puts before targets.
    private func token(_ id: Int) -> String {
        let text = encoder.tokenizer.decode([id])
        return text.hasPrefix(encoder.targetPrefix) ? String(text.dropFirst(encoder.targetPrefix.count)) : text
    }

    private func softmax(_ values: [Double]) -> [Double] {
        let m = values.max() ?? 0
        let e = values.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}
