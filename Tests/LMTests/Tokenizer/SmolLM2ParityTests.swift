import Foundation
@testable import LM
import Testing

/// Token ids that Hugging Face `tokenizers` gives with the SmolLM2 vocabulary.
@Suite(.enabled(if: TokenizerFixtures.hasSmolLM2, "needs shared/reference/smollm2-hf beside the package"))
struct SmolLM2ParityTests {
    @Test func referenceFileTokenizerSection() throws {
        struct Reference: Decodable {
            struct Entry: Decodable { let text: String; let ids: [Int] }
            let tokenizer: [Entry]
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: TokenizerFixtures.smolLM2Reference))
        let entries = try JSONDecoder().decode(Reference.self, from: data).tokenizer
        #expect(!entries.isEmpty)
        let tokenizer = try TokenizerFixtures.smolLM2Tokenizer()
        for entry in entries {
            #expect(tokenizer.encode(entry.text) == entry.ids, "\(entry.text.debugDescription)")
            #expect(sameScalars(tokenizer.decode(entry.ids), entry.text), "\(entry.text.debugDescription)")
        }
    }

    @Test(arguments: ["gpt2", "smollm", "llama-bpe", "qwen2"])
    func generatedCases(preTokenizer: String) throws {
        try TokenizerFixtures.checkCases(try TokenizerFixtures.smolLM2Tokenizer(preTokenizer: preTokenizer),
                                         key: preTokenizer, decodes: true)
    }

    @Test func vocabularyFromTokenizerFile() throws {
        let vocabulary = try #require(TokenizerFixtures.smolLM2Vocabulary)
        #expect(vocabulary.tokens.count == 49152)
        #expect(vocabulary.preTokenizer == "gpt2")
        #expect(vocabulary.specialTokens == Array(0..<17))
        #expect(vocabulary.tokenTypes[1] == 3 && vocabulary.tokenTypes[17] == 1)
        let tokenizer = try BPETokenizer(vocabulary: vocabulary)
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bosID == 1 && tokenizer.eosID == 2 && tokenizer.padID == 2)
        #expect(tokenizer.id(of: "<|im_start|>") == 1)
        #expect(tokenizer.id(of: "Ġthe") != nil)
        #expect(tokenizer.id(of: "no such token") == nil)
        #expect(tokenizer.piece(tokenizer.id(of: "Ġthe")!) == " the")
        #expect(tokenizer.piece(1) == "<|im_start|>")
        #expect(tokenizer.isSpecial(1) && !tokenizer.isSpecial(17))
    }

    @Test func specialTokensAreTextWithoutParseSpecial() throws {
        let tokenizer = try TokenizerFixtures.smolLM2Tokenizer()
        let text = "<|im_start|>user"
        let ids = tokenizer.encode(text, parseSpecial: false)
        #expect(!ids.contains(1))
        #expect(tokenizer.decode(ids) == text)
        #expect(tokenizer.encode(text).first == 1)
    }

    @Test func decodeReassemblesBytesAcrossTokens() throws {
        let tokenizer = try TokenizerFixtures.smolLM2Tokenizer()
        let ids = tokenizer.encode("東京🚀")
        #expect(ids.count > 2)
        #expect(ids.contains { tokenizer.piece($0).hasPrefix("<0x") })
        #expect(tokenizer.decode(ids) == "東京🚀")
        #expect(tokenizer.decode(Array(ids.dropLast())).hasSuffix("\u{FFFD}"))
    }
}
