import Foundation
import LM
import Tensor

/// The loss and the scores of one batch, from the model's logits; what each example's loss is belongs
/// to the task kind.
///
/// A batch of encoded examples becomes one `DecoderBatch`: an example without continuations reads
/// one position; one with continuations (choice options) becomes one sequence per continuation and
/// reads every continuation token.
struct Objective {
    let encoder: ExampleEncoder
    let vocabularySize: Int

    /// The model inputs of a batch, and which logits belong to which example.
    struct Plan {
        let batch: DecoderBatch
        let positions: [LogitPosition]
        /// For each example: the row of the position after its inputs, and each continuation's rows
        /// of `positions` with the tokens they score.
        let rows: [(row: Int, continuations: [(rows: Range<Int>, tokens: [Int])])]
        let tokenCount: Int
    }

    func plan(_ examples: [EncodedExample], table: FloatBuffer) -> Plan {
        var sequences: [[DecoderInput]] = []
        var positions: [LogitPosition] = []
        var rows: [(row: Int, continuations: [(rows: Range<Int>, tokens: [Int])])] = []
        for example in examples {
            let first = positions.count
            var continuations: [(rows: Range<Int>, tokens: [Int])] = []
            for continuation in example.continuations {
                // The continuation's tokens follow the inputs; the logits before each token score it.
                let sequence = example.inputs + continuation.dropLast().map(DecoderInput.token)
                let start = positions.count
                for t in 0..<continuation.count {
                    positions.append(LogitPosition(sequence: sequences.count, position: example.inputs.count - 1 + t))
                }
                continuations.append((start..<positions.count, continuation))
                sequences.append(sequence)
            }
            if example.continuations.isEmpty {
                positions.append(LogitPosition(sequence: sequences.count, position: example.inputs.count - 1))
                sequences.append(example.inputs)
            }
            rows.append((first, continuations))
        }
        let batch = DecoderBatch(sequences: sequences, embeddings: table)
        return Plan(batch: batch, positions: positions, rows: rows, tokenCount: batch.tokenCount)
    }

    /// How the task kind reads example `i`'s logits.
    func scoring(_ i: Int, plan: Plan, logits: FloatBuffer) -> AnswerScoring {
        AnswerScoring(logits: logits, vocabularySize: vocabularySize, row: plan.rows[i].row,
                      continuations: plan.rows[i].continuations, answerTokens: encoder.answerTokens,
                      encoding: encoder.answerEncoding)
    }

    /// Mean loss over the batch's labelled examples and dLoss/dLogits [P, V].
    func loss(_ examples: [EncodedExample], plan: Plan, logits: FloatBuffer) -> (loss: Double, gradient: FloatBuffer) {
        let gradient = FloatBuffer(count: plan.positions.count * vocabularySize)
        let scale = 1 / Double(max(examples.count, 1))
        var total = 0.0
        for (i, example) in examples.enumerated() {
            guard let gold = example.answer else { continue }
            total += encoder.spec.kind.loss(gold: gold, scoring: scoring(i, plan: plan, logits: logits),
                                            gradient: gradient, scale: scale)
        }
        return (total * scale, gradient)
    }
}
