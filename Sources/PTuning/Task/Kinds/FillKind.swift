import Base
import Foundation
import Tensor

/// LAMA-style fill-in: the target's first token, over the whole vocabulary or over a candidate list;
/// the loss is cross-entropy over those tokens' logits at the target position.
///
/// Manifest: an optional `[fill]` table with `candidates = [...]` or `candidates_file = "FILE"` (one
/// candidate per line).
public struct FillKind: TaskKind {
    public static let name = "fill"
    public static let manifestTable = "fill"
    public static let manifestKeys: [String]? = ["candidates", "candidates_file"]
    public static let primaryMetric = MetricName.pAt1

    /// The words the target is one of; nil: any token of the vocabulary.
    public let candidates: [String]?
    /// `candidates` for look-ups.
    private let candidateSet: Set<String>?

    public init(candidates: [String]?) {
        self.candidates = candidates
        candidateSet = candidates.map(Set.init)
    }

    public var stratifiesDevSplit: Bool { false }

    public static func read(_ manifest: some KindManifest) -> FillKind? {
        guard manifest.hasTable else { return FillKind(candidates: nil) }
        let list = manifest.stringArray("candidates")
        let file = manifest.nonEmptyString("candidates_file")
        if manifest.contains("candidates"), manifest.contains("candidates_file") {
            manifest.problem("candidates_file", "give candidates or candidates_file, not both")
            return nil
        }
        if let list {
            if let problem = candidateListProblem(list) {
                manifest.problem("candidates", problem)
                return nil
            }
            return FillKind(candidates: list)
        }
        if let file {
            guard let lines = manifest.lines(ofFile: file, key: "candidates_file") else { return nil }
            if let problem = candidateListProblem(lines) {
                manifest.fileProblem(file, problem)
                return nil
            }
            return FillKind(candidates: lines)
        }
        return manifest.contains("candidates") || manifest.contains("candidates_file") ? nil : FillKind(candidates: nil)
    }

    /// What is wrong with a candidate list, nil when it is usable.
    static func candidateListProblem(_ candidates: [String]) -> String? {
        if candidates.isEmpty { return "the candidate list is empty" }
        if candidates.contains(where: \.isEmpty) { return "a candidate is empty" }
        var seen = Set<String>()
        for candidate in candidates where !seen.insert(candidate).inserted {
            return "candidate \"\(candidate)\" is listed twice"
        }
        return nil
    }

    public func answerProblem(_ value: String, field: String) -> AnswerProblem? {
        if value.isEmpty {
            return AnswerProblem(field: field, "the target is empty", hint: "a fill record's label field holds the word to predict")
        }
        if let candidateSet, !candidateSet.contains(value) {
            return AnswerProblem(field: field, "target \"\(value)\" is not among the candidates",
                                 hint: "add it to [fill] candidates or drop the record")
        }
        return nil
    }

    /// The candidates' first tokens, each once, in list order; nil without a candidate list.
    public func answerTokens(_ encoding: AnswerEncoding) -> (tokens: [Int]?, problems: [TaskProblem]) {
        guard let candidates else { return (nil, []) }
        var seen = Set<Int>()
        var tokens: [Int] = []
        for word in candidates {
            guard let first = encoding.tokens(word).first else { continue }
            if seen.insert(first).inserted { tokens.append(first) }
        }
        guard tokens.isEmpty else { return (tokens, []) }
        return (tokens, [TaskProblem(file: "task.toml", field: "fill.candidates",
                                     message: "no candidate encodes to a token", hint: "list non-empty words")])
    }

    /// The target's first token.
    public func encodeAnswer(_ value: String?, of example: Example,
                             encoding: AnswerEncoding) throws(AnswerProblem) -> EncodedAnswer {
        guard let value else { return EncodedAnswer(answer: nil) }
        guard let id = encoding.tokens(value).first else {
            throw AnswerProblem(field: encoding.labelField, "target \"\(value)\" encodes to no tokens")
        }
        return EncodedAnswer(answer: id)
    }

    /// Over the candidates when the gold token is one of them, else over the whole vocabulary.
    public func loss(gold: Int, scoring: AnswerScoring, gradient: FloatBuffer, scale: Double) -> Double {
        if let candidates = scoring.answerTokens, let index = candidates.firstIndex(of: gold) {
            return scoring.crossEntropy(over: candidates, gold: index, gradient: gradient, scale: scale)
        }
        return scoring.crossEntropy(over: nil, gold: gold, gradient: gradient, scale: scale)
    }

    /// The ten best tokens, a softmax over the candidates or the vocabulary.
    public func prediction(for example: EncodedExample, scoring: AnswerScoring) -> Prediction {
        let row = scoring.rowValues
        let ids = scoring.answerTokens ?? Array(0..<scoring.vocabularySize)
        let probabilities = AnswerScoring.softmax(ids.map { Double(row[$0]) })
        let order = ids.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        let top = order.prefix(10).map { Prediction.Scored(answer: scoring.encoding.text(ofToken: ids[$0]), probability: probabilities[$0]) }
        let gold = example.answer
        return Prediction(source: example.source, predicted: top.first?.answer ?? "", gold: gold.map(scoring.encoding.text(ofToken:)),
                          top: top, goldInTop10: gold.map { g in order.prefix(10).contains { ids[$0] == g } },
                          goldProbability: gold.map { g in ids.firstIndex(of: g).map { probabilities[$0] } ?? 0 })
    }

    public func answerText(_ answer: Int, encoding: AnswerEncoding) -> String { encoding.text(ofToken: answer) }

    public func uniformLoss(vocabularySize: Int, answerTokens: [Int]?) -> Double {
        log(Double(answerTokens?.count ?? vocabularySize))
    }

    /// P@1 and P@10: the gold token first, and within the ten best.
    public func metrics(of labelled: [Prediction]) -> Metrics {
        let top10 = Double(labelled.filter { $0.goldInTop10 == true }.count) / Double(max(labelled.count, 1))
        return Metrics(count: labelled.count, values: [.pAt1: Metrics.correctFraction(labelled), .pAt10: top10],
                       primary: Self.primaryMetric)
    }

    public static let absentPromptMetadata = ["candidates": "null"]

    public func promptMetadata() throws -> [String: String] {
        ["candidates": try PromptMetadataReader.json(candidates)]
    }

    public static func read(promptMetadata: PromptMetadataReader) throws -> FillKind {
        let candidates: [String]? = try promptMetadata.json("candidates")
        if let candidates, let problem = candidateListProblem(candidates) { throw promptMetadata.invalid("candidates", problem) }
        return FillKind(candidates: candidates)
    }

    /// The number of candidate tokens (of candidates without the tokens).
    public func describe(_ task: inout RunReport.Task, answerTokens: [Int]?) {
        task.candidatesCount = answerTokens?.count ?? candidates?.count
    }
}
