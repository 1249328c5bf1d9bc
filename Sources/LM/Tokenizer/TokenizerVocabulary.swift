/// What a byte-level BPE tokenizer is built from, whichever file it came from
/// (GGUF `tokenizer.ggml.*` metadata or a Hugging Face `tokenizer.json`).
public struct TokenizerVocabulary: Sendable, Equatable {
    /// Token strings indexed by id, in the GPT-2 byte-to-unicode alphabet for normal tokens.
    public var tokens: [String]
    /// Per-token type as GGUF numbers it: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    /// Empty when the source has no types (then every token is normal except `specialTokens`).
    public var tokenTypes: [Int32]
    /// Merge rules in rank order, each "left right".
    public var merges: [String]
    /// The pre-tokenizer's name as GGUF spells it (`tokenizer.ggml.pre`: "gpt2", "smollm", "qwen2", "llama-bpe", ...).
    public var preTokenizer: String
    /// Ids of tokens matched verbatim in text before BPE (control and user-defined tokens).
    public var specialTokens: [Int]
    public var bosID: Int?
    public var eosID: Int?
    public var padID: Int?
    /// Whether encoding for a model call prepends BOS.
    public var addBOS: Bool

    public init(tokens: [String], tokenTypes: [Int32], merges: [String], preTokenizer: String,
                specialTokens: [Int], bosID: Int?, eosID: Int?, padID: Int?, addBOS: Bool) {
        self.tokens = tokens
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
