import Foundation
import LM
import Tensor

/// The loss and the scores of one batch for a task kind, from the model's logits.
///
/// A batch of encoded examples becomes one `DecoderBatch`: classify and fill read one position per
/// example; choice expands each example into one sequence per option and reads every option token.
struct Objective {
    let encoder: ExampleEncoder
    let vocabularySize: Int

    /// The model inputs of a batch, and which logits belong to which example.
    struct Plan {
        let batch: DecoderBatch
        let positions: [LogitPosition]
        /// choice: for each example, for each option, the rows of `positions` scoring its tokens and
        /// the tokens themselves.
        let optionRows: [[(rows: Range<Int>, tokens: [Int])]]
        let tokenCount: Int
    }

    func plan(_ examples: [EncodedExample], table: FloatBuffer) -> Plan {
        var sequences: [[DecoderInput]] = []
        var positions: [LogitPosition] = []
        var optionRows: [[(rows: Range<Int>, tokens: [Int])]] = []
        for example in examples {
            if case .options(let options, _) = example.target {
                var rows: [(rows: Range<Int>, tokens: [Int])] = []
                for option in options {
                    // The option's tokens follow the inputs; the logits before each token score it.
                    let sequence = example.inputs + option.dropLast().map(DecoderInput.token)
                    let start = positions.count
                    for t in 0..<option.count {
                        positions.append(LogitPosition(sequence: sequences.count, position: example.inputs.count - 1 + t))
                    }
                    rows.append((start..<positions.count, option))
                    sequences.append(sequence)
                }
                optionRows.append(rows)
            } else {
                positions.append(LogitPosition(sequence: sequences.count, position: example.inputs.count - 1))
                sequences.append(example.inputs)
            }
        }
        let batch = DecoderBatch(sequences: sequences, embeddings: table)
        return Plan(batch: batch, positions: positions, optionRows: optionRows, tokenCount: batch.tokenCount)
    }

    /// Mean loss over the batch's labelled examples and dLoss/dLogits [P, V].
    func loss(_ examples: [EncodedExample], plan: Plan, logits: FloatBuffer) -> (loss: Double, gradient: FloatBuffer) {
        let V = vocabularySize
        let gradient = FloatBuffer(count: plan.positions.count * V)
        let scale = 1 / Double(max(examples.count, 1))
        var total = 0.0
        for (i, example) in examples.enumerated() {
            switch example.target {
            case .label(let gold?):
                total += restrictedCrossEntropy(row: i, ids: encoder.labelTokens, gold: gold, logits: logits,
                                                gradient: gradient, scale: scale)
            case .token(let gold?):
                if let candidates = encoder.candidateTokens, let index = candidates.firstIndex(of: gold) {
                    total += restrictedCrossEntropy(row: i, ids: candidates, gold: index, logits: logits,
                                                    gradient: gradient, scale: scale)
                } else {
                    total += restrictedCrossEntropy(row: i, ids: nil, gold: gold, logits: logits,
                                                    gradient: gradient, scale: scale)
                }
            case .options(_, let gold?):
                total += hinge(plan.optionRows[i], gold: gold, logits: logits, gradient: gradient, scale: scale)
            default:
                break
            }
        }
        return (total * scale, gradient)
    }

    /// Cross-entropy over the logits of `ids` (all V when nil) in row `row`; adds scale * dLoss into gradient.
    private func restrictedCrossEntropy(row: Int, ids: [Int]?, gold: Int, logits: FloatBuffer,
                                        gradient: FloatBuffer, scale: Double) -> Double {
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

    /// Summed log-probability of each option's tokens; margin loss max(0, margin - (s_gold - s_k)) summed
    /// over the wrong options k.
    private func hinge(_ options: [(rows: Range<Int>, tokens: [Int])], gold: Int, logits: FloatBuffer,
                       gradient: FloatBuffer, scale: Double) -> Double {
        guard case .choice(_, let margin) = encoder.spec.kind else { return 0 }
        let scores = options.map { optionScore($0, logits: logits) }
        var loss = 0.0
        for k in options.indices where k != gold {
            let violation = Double(margin) - (scores[gold] - scores[k])
            guard violation > 0 else { continue }
            loss += violation
            addScoreGradient(options[gold], sign: -scale, logits: logits, gradient: gradient)
            addScoreGradient(options[k], sign: scale, logits: logits, gradient: gradient)
        }
        return loss
    }

    /// Sum over the option's tokens of log softmax(logits row)[token].
    func optionScore(_ option: (rows: Range<Int>, tokens: [Int]), logits: FloatBuffer) -> Double {
        let V = vocabularySize
        var score = 0.0
        for (row, token) in zip(option.rows, option.tokens) {
            let l = logits.pointer + row * V
            score += Double(l[token] - Softmax.logSumExp(l, count: V))
        }
        return score
    }

    /// gradient += sign * d(option score)/d logits, where d log p(t)/d logits = onehot(t) - softmax.
    private func addScoreGradient(_ option: (rows: Range<Int>, tokens: [Int]), sign: Double,
                                  logits: FloatBuffer, gradient: FloatBuffer) {
        let V = vocabularySize
        for (row, token) in zip(option.rows, option.tokens) {
            let l = logits.pointer + row * V
            let g = gradient.pointer + row * V
            let lse = Softmax.logSumExp(l, count: V)
            for v in 0..<V { g[v] -= Float(sign) * expf(l[v] - lse) }
            g[token] += Float(sign)
        }
    }
}
