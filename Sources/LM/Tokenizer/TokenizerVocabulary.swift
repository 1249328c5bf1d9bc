/// What a BPE tokenizer is built from, whichever file it came from (GGUF `tokenizer.ggml.*` metadata
/// or a Hugging Face `tokenizer.json`).
public struct TokenizerVocabulary: Sendable, Equatable {
    /// How tokens spell text, and what BPE starts from.
    public enum Model: String, Sendable, Equatable {
        /// GPT-2's byte-level BPE (GGUF `gpt2`): normal tokens are spelled in the byte-to-unicode
        /// alphabet, text is cut by the pre-tokenizer and each piece starts as one symbol per byte;
        /// the merges are listed.
        case byteLevel
        /// SentencePiece BPE (GGUF `llama`), as Gemma uses it: "▁" spells a space, text starts as one
        /// symbol per character (a character the vocabulary lacks as its UTF-8 bytes, `<0xXX>` tokens),
        /// and the merges follow from the tokens and their `scores`.
        case sentencePiece
    }

    public var model: Model
    /// Token strings indexed by id, in the GPT-2 byte-to-unicode alphabet for normal byte-level tokens.
    public var tokens: [String]
    /// Per-token type as GGUF numbers it: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    /// Empty when the source has no types (then every token is normal except `specialTokens`).
    public var tokenTypes: [Int32]
    /// Merge rules in rank order, each "left right" (byte-level).
    public var merges: [String]
    /// Each token's merge priority, higher first (SentencePiece).
    public var scores: [Float]
    /// The pre-tokenizer's name as GGUF spells it (`tokenizer.ggml.pre`: "gpt2", "smollm", "qwen2", "llama-bpe", ...).
    public var preTokenizer: String
    /// Ids of tokens matched verbatim in text before BPE (control and user-defined tokens).
    public var specialTokens: [Int]
    public var bosID: Int?
    public var eosID: Int?
    public var padID: Int?
    /// Whether encoding for a model call prepends BOS.
    public var addBOS: Bool

    public init(model: Model = .byteLevel, tokens: [String], tokenTypes: [Int32], merges: [String],
                scores: [Float] = [], preTokenizer: String, specialTokens: [Int], bosID: Int?, eosID: Int?,
                padID: Int?, addBOS: Bool) {
        self.model = model
        self.tokens = tokens
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.preTokenizer = preTokenizer
        self.specialTokens = specialTokens
        self.bosID = bosID
        self.eosID = eosID
        self.padID = padID
        self.addBOS = addBOS
    }
}
