import Foundation
@testable import LM
import Store
import TestSupport
import Testing

/// Files the tokenizer tests read: the committed fixtures, and the project's `shared/` folder
/// beside the package root (absent on machines without it, where the tests that need it skip).
enum TokenizerFixtures {
    static let packageRoot = TestEnvironment.packageRoot
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let smolLM2TokenizerFile = shared.appendingPathComponent("reference/smollm2-hf/tokenizer.json").path
    static let smolLM2Reference = shared.appendingPathComponent("reference/smollm2-135m-q4_1.json").path
    static let sst2Train = shared.appendingPathComponent("data/sst2/train.tsv").path
    /// The committed reference encodings (`scripts/make-tokenizer-cases.py`), or the file
    /// `PTUNE_TOKENIZER_CASES` names (`make tokenizer-fuzz` writes fresh ones there).
    static let cases = ProcessInfo.processInfo.environment["PTUNE_TOKENIZER_CASES"].map(URL.init(fileURLWithPath:))
        ?? packageRoot.appendingPathComponent("Tests/LMTests/Tokenizer/Fixtures/tokenizer-cases.json.zst")
    /// True when the cases are the committed fixture (whose size the tests check).
    static var casesAreCommitted: Bool { ProcessInfo.processInfo.environment["PTUNE_TOKENIZER_CASES"] == nil }

    static var hasSmolLM2: Bool { FileManager.default.fileExists(atPath: smolLM2TokenizerFile) }

    /// The SmolLM2 vocabulary from `shared/`, read once.
    static let smolLM2Vocabulary: TokenizerVocabulary? = hasSmolLM2
        ? try? TokenizerVocabulary(huggingFaceTokenizerFile: smolLM2TokenizerFile) : nil

    /// The SmolLM2 vocabulary with another pre-tokenizer, as the fixture's variants use.
    static func smolLM2Tokenizer(preTokenizer: String = "gpt2") throws -> BPETokenizer {
        var vocabulary = try #require(smolLM2Vocabulary)
        vocabulary.preTokenizer = preTokenizer
        return try BPETokenizer(vocabulary: vocabulary)
    }

    struct Case: Decodable {
        let text: String
        /// What the ids decode to, when that is not `text`.
        let decoded: String?
        let ids: [String: [Int]]
        /// The pieces of the Llama-3 and Qwen2 patterns; only for the first cases.
        let pieces: [String: [String]]?
    }

    /// The cases, read once (the file is zstd-compressed when its name ends in .zst).
    static func loadCases() throws -> [Case] { try loadedCases.get() }

    private static let loadedCases = Result<[Case], Error>(catching: {
        struct File: Decodable { let cases: [Case] }
        let raw = try Data(contentsOf: cases)
        let json = cases.pathExtension == "zst" ? try Zstd.decompress(raw) : raw
        return try JSONDecoder().decode(File.self, from: json).cases
    })

    /// Encodes every case's text and compares with its ids under `key`; records the first few texts
    /// that differ and prints how many match. `decodes` also checks the expected ids decode to the text.
    static func checkCases(_ tokenizer: BPETokenizer, key: String, decodes: Bool = false) throws {
        let cases = try loadCases()
        #expect(cases.count >= 5000 || !casesAreCommitted)
        var mismatches = 0
        for testCase in cases {
            let expected = try #require(testCase.ids[key])
            let actual = tokenizer.encode(testCase.text)
            if actual != expected {
                mismatches += 1
                // The first few in full; a broken tokenizer would otherwise print thousands.
                if mismatches <= 10 { Issue.record("\(testCase.text.debugDescription): \(actual) vs \(expected)") }
            }
            if decodes {
                #expect(sameScalars(tokenizer.decode(expected), testCase.decoded ?? testCase.text),
                        "\(testCase.text.debugDescription)")
            }
        }
        print("\(key): \(cases.count - mismatches) of \(cases.count) texts encode as Hugging Face tokenizers does")
        #expect(mismatches == 0, "\(mismatches) of \(cases.count) texts differ")
    }

    /// A vocabulary of the 256 byte tokens followed by one token per merge rule, for tests that
    /// must not depend on `shared/`.
    static func byteVocabulary(merges: [String], special: [String] = [], preTokenizer: String = "gpt2") -> TokenizerVocabulary {
        var tokens = ByteLevelAlphabet.scalarForByte.map { String($0) }
        tokens += merges.map { $0.replacingOccurrences(of: " ", with: "") }
        let specialIDs = Array(tokens.count..<tokens.count + special.count)
        tokens += special
        return TokenizerVocabulary(tokens: tokens, tokenTypes: [], merges: merges, preTokenizer: preTokenizer,
                                   specialTokens: specialIDs, bosID: specialIDs.first, eosID: specialIDs.last,
                                   padID: nil, addBOS: false)
    }
}

/// Exact equality of two strings' scalars (Swift's `==` would accept canonically equivalent ones).
func sameScalars(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.elementsEqual(b.unicodeScalars)
}
