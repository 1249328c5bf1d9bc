/// Why a `BPETokenizer` could not be built from a `TokenizerVocabulary`.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// `tokenizer.ggml.pre` (or the pre-tokenizer a `tokenizer.json` describes) is not implemented.
    case unknownPreTokenizer(String, supported: [String])
    /// A merge rule that is not two vocabulary tokens whose concatenation is also one.
    case invalidMerge(rank: Int, rule: String)
    /// A special, BOS, EOS or padding id outside the vocabulary.
    case idOutOfRange(role: String, id: Int, vocabularySize: Int)
    /// A SentencePiece vocabulary whose scores are not one per token.
    case scoreCount(Int, tokens: Int)

    public var description: String {
        switch self {
        case let .unknownPreTokenizer(name, supported):
            "unknown pre-tokenizer \"\(name)\"; supported: \(supported.joined(separator: ", "))"
        case let .invalidMerge(rank, rule):
            "merge rule \(rank) \"\(rule)\" is not two vocabulary tokens whose concatenation is a token"
        case let .idOutOfRange(role, id, size):
            "\(role) id \(id) is outside the vocabulary of \(size) tokens"
        case let .scoreCount(count, tokens):
            "the vocabulary has \(count) scores for \(tokens) tokens; a SentencePiece vocabulary needs one per token"
        }
    }
}
