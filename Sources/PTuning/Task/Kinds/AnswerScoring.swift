import Foundation
import Tensor

/// One example's logits in a batch, and the scoring arithmetic the task kinds share.
public struct AnswerScoring {
    /// [P, V]: the batch's logit rows.
    public let logits: FloatBuffer
    public let vocabularySize: Int
    /// The row of the position after the example's inputs (for continuations: their first row).
    public let row: Int
    /// Each continuation's logit rows and the tokens they score.
    public let continuations: [(rows: Range<Int>, tokens: [Int])]
    /// The tokens the kind's answers are scored among (`TaskKind.answerTokens`).
    public let answerTokens: [Int]?
    public let encoding: AnswerEncoding

    /// The logits of `row`, one per vocabulary token.
    public var rowValues: [Float] {
        Array(UnsafeBufferPointer(start: logits.pointer + row * vocabularySize, count: vocabularySize))
    }

    /// Cross-entropy over the logits of `ids` (all V when nil) in `row`, `gold` an index into them;
    /// adds scale * dLoss/dLogits into `gradient`.
    public func crossEntropy(over ids: [Int]?, gold: Int, gradient: FloatBuffer, scale: Double) -> Double {
        let V = vocabularySize
        let l = logits.pointer + row * V
        let g = gradient.pointer + row * V
        let columns = ids ?? Array(0..<V)
        let values = columns.map { l[$0] }
        let lse = values.withUnsafeBufferPointer { Softmax.logSumExp($0.baseAddress!, count: $0.count) }
        for (k, c) in columns.enumerated() {
            g[c] += Float(scale) * expf(values[k] - lse)
        }
        g[columns[gold]] -= Float(scale)
        return Double(lse - values[gold])
    }

    /// Sum over continuation `k`'s tokens of log softmax(logits row)[token].
    public func continuationScore(_ k: Int) -> Double {
        let V = vocabularySize
        var score = 0.0
        for (row, token) in zip(continuations[k].rows, continuations[k].tokens) {
            let l = logits.pointer + row * V
            score += Double(l[token] - Softmax.logSumExp(l, count: V))
        }
        return score
    }

    /// gradient += sign * d(continuation k's score)/d logits, where d log p(t)/d logits = onehot(t) - softmax.
    public func addContinuationGradient(_ k: Int, sign: Double, gradient: FloatBuffer) {
        let V = vocabularySize
        for (row, token) in zip(continuations[k].rows, continuations[k].tokens) {
            let l = logits.pointer + row * V
            let g = gradient.pointer + row * V
            let lse = Softmax.logSumExp(l, count: V)
            for v in 0..<V { g[v] -= Float(sign) * expf(l[v] - lse) }
            g[token] += Float(sign)
        }
    }

    /// Probabilities from scores.
    public static func softmax(_ values: [Double]) -> [Double] {
        let m = values.max() ?? 0
        let e = values.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}
