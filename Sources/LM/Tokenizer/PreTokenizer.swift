/// Splits text into the pieces ("words") that BPE merges never cross.
///
/// Each pre-tokenizer is the regular expression a model's tokenizer was trained with, applied
/// the way Hugging Face `tokenizers` and llama.cpp apply it: every match is a piece. They are
/// written as hand-made scanners over Unicode scalars instead of being handed to a regex engine
/// because the patterns depend on exact semantics that engines disagree on (`\p{L}`, `\p{N}` and
/// `\s` as Oniguruma reads them, case-insensitive contractions that also fold `ſ` to `s`, the
/// `(?!\S)` lookahead that Foundation's and Swift's regexes spell differently), and because a
/// scanner that classifies each scalar once is several times faster than a backtracking engine
/// on dataset-sized text.
enum PreTokenizer: Sendable, Equatable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    /// (GPT-2, and Hugging Face's `ByteLevel` pre-tokenizer with `use_regex`).
    case gpt2
    /// Every `\p{N}` scalar isolated first, then the GPT-2 pattern on the text between them
    /// (llama.cpp's `smollm` and `starcoder`; Hugging Face `Digits(individual_digits)` + `ByteLevel`).
    case gpt2IsolatedDigits
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// The Llama-3 pattern with `\p{N}` (one digit per piece) in place of `\p{N}{1,3}`.
    case qwen2

    /// GGUF `tokenizer.ggml.pre` names accepted, and the pre-tokenizer each selects.
    /// An empty name (no `tokenizer.ggml.pre` key) selects GPT-2.
    static let byName: [String: PreTokenizer] = [
        "": .gpt2, "default": .gpt2, "gpt2": .gpt2,
        "smollm": .gpt2IsolatedDigits, "starcoder": .gpt2IsolatedDigits,
        "llama-bpe": .llama3, "llama3": .llama3,
        "qwen2": .qwen2,
    ]

    /// The accepted names, sorted, for error messages.
    static var supportedNames: [String] { byName.keys.filter { !$0.isEmpty }.sorted() }

    init(name: String) throws(TokenizerError) {
        guard let preTokenizer = PreTokenizer.byName[name] else {
            throw .unknownPreTokenizer(name, supported: PreTokenizer.supportedNames)
        }
        self = preTokenizer
    }

    /// Whether a piece that is itself a vocabulary token is emitted whole, without running the
    /// merges (Hugging Face `ignore_merges`, which Llama-3 sets).
    var ignoresMerges: Bool { self == .llama3 }

    /// Calls `body` with each piece of `text.scalars[range]`, in order; the pieces tile the range.
    func split(_ text: ClassifiedText, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        switch self {
        case .gpt2:
            scan(text, range, body) { text.gpt2PieceEnd(from: $0, end: $1) }
        case .gpt2IsolatedDigits:
            var start = range.lowerBound
            while start < range.upperBound {
                if text.classes[start] == .number {
                    body(start..<start + 1)
                    start += 1
                    continue
                }
                let stretchEnd = text.runEnd(of: .number, from: start, end: range.upperBound, matching: false)
                scan(text, start..<stretchEnd, body) { text.gpt2PieceEnd(from: $0, end: $1) }
                start = stretchEnd
            }
        case .llama3:
            scan(text, range, body) { text.llama3PieceEnd(from: $0, end: $1, maxDigits: 3) }
        case .qwen2:
            scan(text, range, body) { text.llama3PieceEnd(from: $0, end: $1, maxDigits: 1) }
        }
    }

    private func scan(_ text: ClassifiedText, _ range: Range<Int>, _ body: (Range<Int>) -> Void,
                      pieceEnd: (Int, Int) -> Int) {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = pieceEnd(start, range.upperBound)
            body(start..<end)
            start = end
        }
    }
}
