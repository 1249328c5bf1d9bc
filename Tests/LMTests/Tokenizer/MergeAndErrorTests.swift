import Foundation
@testable import LM
import TestSupport
import Testing

/// Merge order on a hand-made vocabulary, and the errors for bad vocabularies and files.
struct MergeAndErrorTests {
    @Test func mergesLowestRankFirstAndLeftmostOnTies() throws {
        let tokenizer = try BPETokenizer(vocabulary: TokenizerFixtures.byteVocabulary(
            merges: ["a a", "b c", "aa b", "aab c"], special: ["<s>", "</s>"]))
        let ids = { (text: String) in tokenizer.encode(text).map(tokenizer.piece) }
        #expect(ids("aaa") == ["aa", "a"])
        #expect(ids("aabc") == ["aa", "bc"])
        #expect(ids("aab") == ["aab"])
        #expect(ids("a<s>aa</s>") == ["a", "<s>", "aa", "</s>"])
        #expect(tokenizer.bosID == 260 && tokenizer.eosID == 261)
        #expect(tokenizer.piece(999) == "<invalid id 999>")
        #expect(tokenizer.decode([97, 999, 97]) == "aa")
    }

    @Test func specialTokensMatchLongestFirst() throws {
        let tokenizer = try BPETokenizer(vocabulary: TokenizerFixtures.byteVocabulary(
            merges: [], special: ["<a>", "<a><b>"]))
        #expect(tokenizer.encode("x<a><b><a>") == [120, 257, 256])
    }

    @Test func badVocabularies() {
        var vocabulary = TokenizerFixtures.byteVocabulary(merges: ["a b"])
        vocabulary.merges.append("a c")
        #expect(throws: TokenizerError.invalidMerge(rank: 1, rule: "a c")) { try BPETokenizer(vocabulary: vocabulary) }
        vocabulary = TokenizerFixtures.byteVocabulary(merges: [])
        vocabulary.eosID = 300
        #expect(throws: TokenizerError.idOutOfRange(role: "EOS", id: 300, vocabularySize: 256)) {
            try BPETokenizer(vocabulary: vocabulary)
        }
        vocabulary = TokenizerFixtures.byteVocabulary(merges: [], preTokenizer: "falcon")
        #expect(throws: TokenizerError.unknownPreTokenizer("falcon", supported: PreTokenizer.supportedNames)) {
            try BPETokenizer(vocabulary: vocabulary)
        }
    }

    /// Writes `json` as `tokenizer.json` in a fresh folder and reads it.
    private func read(_ json: String, config: String? = nil) throws(TokenizerFileError) -> TokenizerVocabulary {
        let folder = TestEnvironment.temporaryDirectory("tokenizer")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tokenizer.json")
        try? Data(json.utf8).write(to: file)
        if let config { try? Data(config.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json")) }
        return try TokenizerVocabulary(huggingFaceTokenizerFile: file.path)
    }

    private func tokenizerJSON(merges: String = #"["a b"]"#, preTokenizer: String = #"{"type": "ByteLevel", "use_regex": true}"#) -> String {
        #"{"added_tokens": [{"id": 3, "content": "<s>", "special": true}], "normalizer": null, "pre_tokenizer": "#
            + preTokenizer + #", "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": "# + merges + "}}"
    }

    private func failure(_ json: String) -> TokenizerFileError? {
        do {
            _ = try read(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsMinimalTokenizerFile() throws {
        let vocabulary = try read(tokenizerJSON(merges: #"[["a", "b"]]"#),
                                  config: #"{"bos_token": {"content": "<s>"}, "eos_token": "<s>", "add_bos_token": true}"#)
        #expect(vocabulary.tokens == ["a", "b", "ab", "<s>"])
        #expect(vocabulary.merges == ["a b"])
        #expect(vocabulary.tokenTypes == [1, 1, 1, 3])
        #expect(vocabulary.specialTokens == [3] && vocabulary.bosID == 3 && vocabulary.eosID == 3 && vocabulary.addBOS)
        let tokenizer = try BPETokenizer(vocabulary: vocabulary)
        #expect(tokenizer.encode("ab<s>") == [2, 3])
    }

    @Test func recognisesPreTokenizers() throws {
        let byteLevel = #"{"type": "ByteLevel", "use_regex": false}"#
        let digits = #"{"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true}, {"type": "ByteLevel"}]}"#
        #expect(try read(tokenizerJSON(preTokenizer: digits)).preTokenizer == "smollm")
        for (pattern, name) in TokenizerVocabulary.splitPatterns {
            let escaped = String(data: try JSONSerialization.data(withJSONObject: [pattern], options: []), encoding: .utf8)!
                .dropFirst().dropLast()
            let split = #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "# + escaped
                + #"}, "behavior": "Isolated", "invert": false}, "# + byteLevel + "]}"
            #expect(try read(tokenizerJSON(preTokenizer: split)).preTokenizer == name)
        }
    }

    @Test func malformedFilesNameFileAndField() throws {
        #expect(failure("{not json")?.problem == "is not a JSON object")
        #expect(failure(#"{"model": {"type": "Unigram"}}"#)?.field == "model.type")
        #expect(failure(#"{"model": {"type": "BPE", "merges": []}}"#)?.field == "model.vocab")
        #expect(failure(tokenizerJSON(merges: #"["ab"]"#))?.field == "model.merges[0]")
        #expect(failure(tokenizerJSON(merges: "3"))?.field == "model.merges")
        #expect(failure(tokenizerJSON().replacingOccurrences(of: #""b": 1"#, with: #""b": 5"#))?.problem
                == "no token has id 1")
        let split = #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated"}, {"type": "ByteLevel", "use_regex": false}]}"#
        let error = try #require(failure(tokenizerJSON(preTokenizer: split)))
        #expect(error.field == "pre_tokenizer" && error.problem.contains(#"Split on "\s+""#))
        #expect(error.description.hasPrefix(error.file + ": pre_tokenizer: "))
        #expect(error.file.hasSuffix("tokenizer.json"))
        #expect(failure(tokenizerJSON().replacingOccurrences(of: #""normalizer": null"#, with: #""normalizer": {"type": "NFC"}"#))?
            .problem.contains("NFC") == true)
    }
}
