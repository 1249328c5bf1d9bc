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
    /// The probability the model gives the gold answer, under the same softmax as `top`.
    public var goldProbability: Double?

    public struct Scored: Sendable, Codable, Equatable {
        public var answer: String
        public var probability: Double
    }

    public var correct: Bool? { gold.map { $0 == predicted } }

    public init(source: String, predicted: String, gold: String?, top: [Scored], goldInTop10: Bool?,
                goldProbability: Double? = nil) {
        self.source = source
        self.predicted = predicted
        self.gold = gold
        self.top = top
        self.goldInTop10 = goldInTop10
        self.goldProbability = goldProbability
    }
}

/// Metrics of one split: the values the task kind reports, and which of them is primary (what early
/// stopping, seed choice and the baselines compare by).
public struct Metrics: Sendable, Codable, Equatable {
    public var count: Int
    public var values: MetricValues<Double>
    public var primaryName: MetricName

    public var accuracy: Double? { values.accuracy }
    public var macroF1: Double? { values.macroF1 }
    public var pAt1: Double? { values.pAt1 }
    public var pAt10: Double? { values.pAt10 }
    /// The primary metric's value.
    public var primary: Double { values[primaryName] ?? 0 }
    /// The metrics present, for people: "accuracy 0.8175, macro-F1 0.8166".
    public var listed: String {
        values.names.map { $0.label + String(format: " %.4f", values[$0] ?? 0) }.joined(separator: ", ")
    }

    public init(count: Int, values: [MetricName: Double], primary: MetricName) {
        self.count = count
        self.values = MetricValues(values)
        self.primaryName = primary
    }

    /// Metrics with the given values; the first present in `MetricName` order is primary.
    public init(count: Int, accuracy: Double? = nil, macroF1: Double? = nil, pAt1: Double? = nil, pAt10: Double? = nil) {
        let values = MetricValues([.accuracy: accuracy, .macroF1: macroF1, .pAt1: pAt1, .pAt10: pAt10].compactMapValues { $0 })
        self.init(count: count, values: values.values, primary: values.names.first ?? .accuracy)
    }

    /// The metrics of labelled and unlabelled predictions: the task kind's over the labelled ones,
    /// and their log-loss when every one of them carries the gold answer's probability.
    public static func of(_ predictions: [Prediction], kind: any TaskKind) -> Metrics {
        let labelled = predictions.filter { $0.gold != nil }
        var metrics = kind.metrics(of: labelled)
        let probabilities = labelled.compactMap(\.goldProbability)
        if !labelled.isEmpty && probabilities.count == labelled.count {
            metrics.values[.logLoss] = probabilities.map { -log(max($0, Self.smallestProbability)) }
                .reduce(0, +) / Double(probabilities.count)
        }
        return metrics
    }

    /// The floor under a gold answer's probability in the log-loss, so one hopeless record cannot make
    /// it infinite.
    static let smallestProbability = 1e-12

    /// How a dev split ranks these metrics against others: by the primary metric, then by log-loss
    /// (a log-loss that is not finite, from NaN scores, counts as none).
    public var score: DevScore { DevScore(primary: primary, logLoss: values[.logLoss].flatMap { $0.isFinite ? $0 : nil }) }

    /// How many standard errors the primary metric stands above `other`'s, each read as the fraction of
    /// its records right (the difference of two proportions): whether a lead stands out of the noise of
    /// a few records. Infinite when neither figure varies (both 0 or 1) and they differ.
    public func standardErrors(above other: Metrics) -> Double {
        let p = primary, q = other.primary
        let sum = variance + other.variance
        guard sum > 0 else { return p == q ? 0 : (p > q ? .infinity : -.infinity) }
        return (p - q) / sum.squareRoot()
    }

    /// The standard error of the primary metric read as the fraction of `count` records right:
    /// √(p(1 − p)/n). 0 when every record is right or none.
    public var standardError: Double { variance.squareRoot() }

    /// The variance of the primary metric read as a proportion of `count` records.
    private var variance: Double { primary * (1 - primary) / Double(max(count, 1)) }

    /// The fraction of `labelled` predictions that are right (0 when there are none).
    public static func correctFraction(_ labelled: [Prediction]) -> Double {
        Double(labelled.filter { $0.correct == true }.count) / Double(max(labelled.count, 1))
    }

    private enum CountKey: String, CodingKey { case count }

    public init(from decoder: Decoder) throws {
        count = try decoder.container(keyedBy: CountKey.self).decode(Int.self, forKey: .count)
        values = try MetricValues(from: decoder)
        primaryName = values.names.first ?? .accuracy
    }

    public func encode(to encoder: Encoder) throws {
        var counts = encoder.container(keyedBy: CountKey.self)
        try counts.encode(count, forKey: .count)
        try values.encode(to: encoder)
    }
}

/// A dev result's rank: the primary metric first; on a tie the lower log-loss wins, which tells apart
/// prompts that a small dev split scores alike (ten records give a P@1 of 0.1 for many prompts). A
/// result without a log-loss loses such a tie.
public struct DevScore: Sendable, Equatable, Comparable {
    public var primary: Double
    public var logLoss: Double?

    public static func < (a: DevScore, b: DevScore) -> Bool {
        if a.primary != b.primary { return a.primary < b.primary }
        return a.tieBreak > b.tieBreak
    }

    /// Equal when neither ranks above the other (no log-loss counts as an infinite one).
    public static func == (a: DevScore, b: DevScore) -> Bool { a.primary == b.primary && a.tieBreak == b.tieBreak }

    private var tieBreak: Double { logLoss ?? .infinity }
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
                out.append(encoder.spec.kind.prediction(for: example, scoring: objective.scoring(i, plan: plan, logits: logits)))
            }
            start += chunk.count
            progress?(start)
        }
        return out
    }

    /// An answer as predictions name it (the task kind's `answerText`).
    func answerText(_ answer: Int) -> String {
        encoder.spec.kind.answerText(answer, encoding: encoder.answerEncoding)
    }
}
