import Foundation
@testable import LM
import TestSupport
import Testing

/// Token ids that Hugging Face `tokenizers` gives with Gemma 3's SentencePiece vocabulary, as
/// transformers builds the tokenizer from the GGUF file (`gemma3` in the fixture's cases).
@Suite(.enabled(if: TestEnvironment.gemma3 != nil, "needs the cached Gemma 3 model (scripts/fetch-gemma3.sh)"))
struct Gemma3ParityTests {
    static let tokenizer = Result { try LanguageModel.loadTokenizer(path: TestEnvironment.gemma3 ?? "") }

    @Test func generatedCases() throws {
        try TokenizerFixtures.checkCases(try Self.tokenizer.get(), key: "gemma3")
    }

    /// Spaces are "▁" pieces, runs of spaces the vocabulary's "▁▁…" tokens, newlines its user-defined
    /// tokens, and a character it lacks its UTF-8 bytes; decoding gives the text back.
    @Test func piecesAndRoundTrip() throws {
        let tokenizer = try Self.tokenizer.get()
        let text = "Hello  world\n\nfoo \u{10FFFD}"
        let ids = tokenizer.encode(text)
        #expect(ids.map(tokenizer.piece).prefix(5) == ["Hello", "  ", "world", "\n\n", "foo"])
        #expect(tokenizer.decode(ids) == text)
        #expect(tokenizer.encode("<start_of_turn>user", parseSpecial: true).first == tokenizer.id(of: "<start_of_turn>"))
        #expect(tokenizer.encode("<start_of_turn>", parseSpecial: false).count > 1)
        #expect(tokenizer.addBOS && tokenizer.bosID == tokenizer.id(of: "<bos>"))
    }
}

/// Token ids that Hugging Face `tokenizers` gives with Qwen2.5-Coder's own vocabulary and merges (not
/// SmolLM2's under the Qwen2 pre-tokenizer), as transformers builds it from the GGUF (`qwen2.5`).
@Suite(.enabled(if: TestEnvironment.qwen25 != nil, "needs the cached Qwen2.5-Coder model (scripts/fetch-qwen2.sh)"))
struct Qwen25ParityTests {
    @Test func generatedCases() throws {
        try TokenizerFixtures.checkCases(try LanguageModel.loadTokenizer(path: TestEnvironment.qwen25 ?? ""), key: "qwen2.5")
    }
}
