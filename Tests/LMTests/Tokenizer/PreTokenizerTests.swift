import Foundation
@testable import LM
import Testing

/// The pre-tokenizer scanners against the pieces Hugging Face `tokenizers` splits the fixture
/// texts into, and against hand-checked examples.
struct PreTokenizerTests {
    private func pieces(_ text: String, _ name: String) throws -> [String] {
        let preTokenizer = try PreTokenizer(name: name)
        let classified = ClassifiedText(Array(text.unicodeScalars))
        var pieces: [String] = []
        preTokenizer.split(classified, 0..<classified.scalars.count) { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: classified.scalars[range])
            pieces.append(String(view))
        }
        return pieces
    }

    private func same(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy(sameScalars)
    }

    @Test(arguments: ["llama-bpe", "qwen2"])
    func fixturePieces(name: String) throws {
        let withPieces = try TokenizerFixtures.loadCases().filter { $0.pieces != nil }
        #expect(withPieces.count >= 200 || !TokenizerFixtures.casesAreCommitted)
        for testCase in withPieces {
            let expected = try #require(testCase.pieces?[name])
            let actual = try pieces(testCase.text, name)
            #expect(same(actual, expected), "\(testCase.text.debugDescription): \(actual) vs \(expected)")
        }
    }

    @Test func gpt2() throws {
        #expect(try pieces("Hello, world!", "gpt2") == ["Hello", ",", " world", "!"])
        #expect(try pieces("I'm  here 's 'S", "gpt2") == ["I", "'m", " ", " here", " '", "s", " '", "S"])
        #expect(try pieces("a  \n b   ", "gpt2") == ["a", "  \n", " b", "   "])
        #expect(try pieces("x 12345 ¾", "gpt2") == ["x", " 12345", " ¾"])
        #expect(try pieces("a\u{1C}\u{1C}b\u{A0}\u{A0}c", "gpt2") == ["a", "\u{1C}\u{1C}", "b", "\u{A0}", "\u{A0}", "c"])
    }

    @Test func smolLMIsolatesDigits() throws {
        #expect(try pieces("x  12 y", "smollm") == ["x", "  ", "1", "2", " y"])
        #expect(try pieces("v1.2", "smollm") == ["v", "1", ".", "2"])
    }

    @Test func llama3AndQwen2Numbers() throws {
        #expect(try pieces("1234567", "llama-bpe") == ["123", "456", "7"])
        #expect(try pieces("1234567", "qwen2") == ["1", "2", "3", "4", "5", "6", "7"])
        #expect(try pieces("I'LL x'ſ", "llama3") == ["I", "'LL", " x", "'ſ"])
        #expect(try pieces("a.\n\n b\r\n", "qwen2") == ["a", ".\n\n", " b", "\r\n"])
    }

    /// A run of digits far longer than any text splits into pieces of the pattern's length, each
    /// found by looking no further than that length (a scan to the run's end per piece took
    /// minutes on a record of a million digits).
    @Test func aLongRunOfDigitsSplitsIntoPiecesOfTheirLength() throws {
        let digits = String(repeating: "9", count: 200_000) + "1"
        let llama = try pieces(digits, "llama-bpe")
        #expect(llama.count == 66_667 && llama.dropLast().allSatisfy { $0 == "999" } && llama.last == "991")
        #expect(try pieces(digits, "qwen2").count == 200_001)
    }

    @Test func unknownNameListsSupportedOnes() {
        #expect(throws: TokenizerError.unknownPreTokenizer("deepseek-llm", supported: PreTokenizer.supportedNames)) {
            try PreTokenizer(name: "deepseek-llm")
        }
        let message = TokenizerError.unknownPreTokenizer("x", supported: PreTokenizer.supportedNames).description
        #expect(message.contains("\"x\"") && message.contains("gpt2") && message.contains("qwen2"))
    }
}
