import LM

/// One record turned into model inputs.
///
/// `inputs` mixes vocabulary tokens with `.embedding(i)`, row i of the prompt table (pseudo tokens are
/// numbered 0..<m in template order). The task kind reads the answer at the position after the inputs,
/// or from the continuations scored after them.
public struct EncodedExample: Sendable {
    /// The sequence up to and including the position that predicts the target.
    public let inputs: [DecoderInput]
    /// The gold answer: an index among the kind's answers (label, token id, option); nil when unlabelled.
    public let answer: Int?
    /// Token sequences scored after `inputs`, one per option; empty when the answer is read at the
    /// position after the inputs.
    public let continuations: [[Int]]
    /// Where the record came from ("train.jsonl:17").
    public let source: String

    public init(inputs: [DecoderInput], answer: EncodedAnswer, source: String) {
        self.inputs = inputs
        self.answer = answer.answer
        self.continuations = answer.continuations
        self.source = source
    }

    /// Tokens the model reads for this example (every continuation's tokens included).
    public var tokenCount: Int {
        continuations.isEmpty ? inputs.count : continuations.reduce(0) { $0 + inputs.count + $1.count - 1 }
    }
}
