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
        let tokenizer = try Self.tokenizer.get()
        let cases = try TokenizerFixtures.loadCases()
        #expect(cases.count >= 5000 || !TokenizerFixtures.casesAreCommitted)
        var mismatches = 0
        for testCase in cases {
            let expected = try #require(testCase.ids["gemma3"])
            let actual = tokenizer.encode(testCase.text)
            if actual != expected {
                mismatches += 1
                if mismatches <= 10 { Issue.record("\(testCase.text.debugDescription): \(actual) vs \(expected)") }
            }
        }
        print("gemma3: \(cases.count - mismatches) of \(cases.count) texts encode as Hugging Face tokenizers does")
        #expect(mismatches == 0, "\(mismatches) of \(cases.count) texts differ")
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
