import LM

/// One record turned into model inputs.
///
/// `inputs` mixes vocabulary tokens with `.embedding(i)`, row i of the prompt table (pseudo tokens are
/// numbered 0..<m in template order). What the loss reads depends on the task kind.
public struct EncodedExample: Sendable {
    public enum Target: Sendable, Equatable {
        /// classify: index of the gold label among the task's label words (nil when unlabelled).
        case label(Int?)
        /// fill: the gold token id (nil when unlabelled).
        case token(Int?)
        /// choice: each option's token ids, scored after `inputs`; the gold option index (nil when unlabelled).
        case options([[Int]], answer: Int?)
    }

    /// The sequence up to and including the position that predicts the target.
    public let inputs: [DecoderInput]
    public let target: Target
    /// Where the record came from ("train.jsonl:17").
    public let source: String

    public init(inputs: [DecoderInput], target: Target, source: String) {
        self.inputs = inputs
        self.target = target
        self.source = source
    }

    /// Tokens the model reads for this example (every option's tokens for choice).
    public var tokenCount: Int {
        if case .options(let options, _) = target {
            return options.reduce(0) { $0 + inputs.count + $1.count - 1 }
        }
        return inputs.count
    }
}
