/// A BPE tokenizer: byte-level (GPT-2 style, as used by SmolLM, Llama-3 and Qwen2) or SentencePiece
/// (Gemma), equal to Hugging Face `tokenizers` on the same vocabulary.
///
/// Encoding finds special tokens spelled verbatim in the text, then
/// - byte-level: splits the rest into pieces with the vocabulary's pre-tokenizer and spells each
///   piece's UTF-8 bytes as byte tokens;
/// - SentencePiece: writes each space as "▁" and spells each character as its token, or as its
///   UTF-8 bytes' `<0xXX>` tokens when the vocabulary lacks it;
/// and merges the symbols by rule rank. Decoding concatenates the tokens' bytes and then decodes
/// UTF-8, so any text round-trips. Instances are immutable and can be shared across threads.
public final class BPETokenizer: Sendable {
    /// Number of token ids, `0..<vocabularySize`.
    public let vocabularySize: Int
    /// The beginning-of-sequence token, if the vocabulary has one.
    public let bosID: Int?
    /// The end-of-sequence token, if the vocabulary has one.
    public let eosID: Int?
    /// The padding token, if the vocabulary has one.
    public let padID: Int?
    /// Whether the model expects BOS in front of its input (`encode` never adds it).
    public let addBOS: Bool

    private let idsByToken: [String: Int]
    private let tokenBytes: [[UInt8]]
    private let tokenIsSpecial: [Bool]
    /// The token of each byte: its byte-level letter, or its `<0xXX>` token (-1 when missing).
    private let byteIDs: [Int32]
    private let merges: BPEMerges
    /// The byte-level pre-tokenizer; nil for SentencePiece, which merges across the whole text.
    private let preTokenizer: PreTokenizer?
    private let specialTokens: SpecialTokenMatcher

    /// Builds the tokenizer; throws `TokenizerError` for an unknown pre-tokenizer, a merge rule
    /// that does not fit the vocabulary, scores that do not, or an id outside it.
    public init(vocabulary: TokenizerVocabulary) throws(TokenizerError) {
        let size = vocabulary.tokens.count
        let sentencePiece = vocabulary.model == .sentencePiece
        if sentencePiece && vocabulary.scores.count != size { throw .scoreCount(vocabulary.scores.count, tokens: size) }
        // Hugging Face reads a SentencePiece token of only spaces as "▁"s: an ordinary piece, not a
        // user-defined token matched whole.
        let tokens = !sentencePiece ? vocabulary.tokens : vocabulary.tokens.map { token in
            !token.isEmpty && token.allSatisfy { $0 == " " } ? String(repeating: "▁", count: token.count) : token
        }
        func checked(_ id: Int?, _ role: String) throws(TokenizerError) -> Int? {
            guard let id else { return nil }
            guard (0..<size).contains(id) else {
                throw .idOutOfRange(role: role, id: id, vocabularySize: size)
            }
            return id
        }
        vocabularySize = size
        bosID = try checked(vocabulary.bosID, "BOS")
        eosID = try checked(vocabulary.eosID, "EOS")
        padID = try checked(vocabulary.padID, "padding")
        addBOS = vocabulary.addBOS
        preTokenizer = sentencePiece ? nil : try PreTokenizer(name: vocabulary.preTokenizer)

        var special = [Bool](repeating: false, count: size)
        var candidates: [SpecialTokenMatcher.Candidate] = []
        for id in vocabulary.specialTokens {
            _ = try checked(id, "special token")
            if tokens[id] != vocabulary.tokens[id] { continue }
            special[id] = true
            let type = vocabulary.tokenTypes.indices.contains(id) ? vocabulary.tokenTypes[id] : 3
            candidates.append(.init(scalars: Array(tokens[id].unicodeScalars), id: id, isControl: type != 4))
        }
        tokenIsSpecial = special
        specialTokens = SpecialTokenMatcher(candidates)

        let ids = Dictionary(tokens.enumerated().map { ($1, $0) }) { first, _ in first }
        idsByToken = ids
        if sentencePiece {
            let byteTokens = (0..<256).map { ids[BPETokenizer.byteToken(UInt8($0))].map(Int32.init) ?? -1 }
            var bytes = zip(tokens, special).map { token, isSpecial in
                isSpecial ? Array(token.utf8) : BPETokenizer.bytes(ofPiece: token)
            }
            for (byte, id) in byteTokens.enumerated() where id >= 0 { bytes[Int(id)] = [UInt8(byte)] }
            tokenBytes = bytes
            byteIDs = byteTokens
            merges = BPEMerges(sentencePieceTokens: tokens, scores: vocabulary.scores, idsByToken: ids)
        } else {
            tokenBytes = zip(tokens, special).map { token, isSpecial in
                isSpecial ? Array(token.utf8) : BPETokenizer.bytes(spelledBy: token)
            }
            byteIDs = ByteLevelAlphabet.scalarForByte.map { scalar in
                ids[String(scalar)].map(Int32.init) ?? -1
            }
            merges = try BPEMerges(rules: vocabulary.merges, idsByToken: ids)
        }
    }

    /// The token ids of `text`, without BOS or EOS.
    ///
    /// With `parseSpecial`, control tokens spelled in the text (`<|im_start|>`) become their ids;
    /// without it they are encoded as ordinary text. User-defined tokens are always matched.
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int] {
        let text = ClassifiedText(Array(text.unicodeScalars))
        var state = EncodeState()
        state.output.reserveCapacity(text.scalars.count / 3 + 1)
        var segmentStart = 0
        if !specialTokens.isEmpty {
            var index = 0
            while index < text.scalars.count {
                guard let special = specialTokens.match(in: text.scalars, at: index, includeControl: parseSpecial)
                else {
                    index += 1
                    continue
                }
                encodeSegment(text, segmentStart..<index, &state)
                state.output.append(special.id)
                index += special.scalars.count
                segmentStart = index
            }
        }
        encodeSegment(text, segmentStart..<text.scalars.count, &state)
        return state.output
    }

    /// The text of `ids`: their bytes concatenated, then decoded as UTF-8, with U+FFFD only for
    /// sequences that are still invalid in the whole. Ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where (0..<vocabularySize).contains(id) {
            bytes.append(contentsOf: tokenBytes[id])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A readable spelling of one token: its text, with bytes that are not valid UTF-8 on their
    /// own (pieces of a multi-byte character) written `<0xE6>`. Special tokens are spelled as is;
    /// an id outside the vocabulary is `<invalid id N>`.
    public func piece(_ id: Int) -> String {
        guard (0..<vocabularySize).contains(id) else { return "<invalid id \(id)>" }
        let bytes = tokenBytes[id]
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return bytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "<0x\(String($0, radix: 16, uppercase: true))>" }
            .joined()
    }

    /// The id of a token as the vocabulary spells it (byte-level alphabet: `"Ġthe"` for " the";
    /// SentencePiece: `"▁the"`; special tokens verbatim: `"<|im_end|>"`).
    public func id(of token: String) -> Int? {
        idsByToken[token]
    }

    /// Whether `id` is a special (control or user-defined) token.
    public func isSpecial(_ id: Int) -> Bool {
        (0..<vocabularySize).contains(id) && tokenIsSpecial[id]
    }

    private struct EncodeState {
        var output: [Int] = []
        var bytes: [UInt8] = []
        var symbols: [Int32] = []
        var workspace = MergeWorkspace()
    }

    private func encodeSegment(_ text: ClassifiedText, _ range: Range<Int>, _ state: inout EncodeState) {
        guard !range.isEmpty else { return }
        guard let preTokenizer else { return encodePieces(text.scalars[range], &state) }
        preTokenizer.split(text, range) { piece in
            state.bytes.removeAll(keepingCapacity: true)
            for scalar in text.scalars[piece] {
                if scalar.isASCII {
                    state.bytes.append(UInt8(scalar.value))
                } else {
                    state.bytes.append(contentsOf: UTF8.encode(scalar)!)
                }
            }
            encodeWord(&state)
        }
    }

    private func encodeWord(_ state: inout EncodeState) {
        if preTokenizer?.ignoresMerges == true, let id = idsByToken[ByteLevelAlphabet.spell(state.bytes)] {
            state.output.append(id)
            return
        }
        if state.bytes.count == 1 {
            let id = byteIDs[Int(state.bytes[0])]
            if id >= 0 { state.output.append(Int(id)) }
            return
        }
        state.symbols.removeAll(keepingCapacity: true)
        for byte in state.bytes where byteIDs[Int(byte)] >= 0 {
            state.symbols.append(byteIDs[Int(byte)])
        }
        merges.apply(to: &state.symbols, workspace: &state.workspace)
        for symbol in state.symbols { state.output.append(Int(symbol)) }
    }

    /// SentencePiece: the whole text between special tokens is one word; each character starts as its
    /// token ("▁" for a space), or as its bytes' tokens when the vocabulary lacks it.
    private func encodePieces(_ scalars: ArraySlice<Unicode.Scalar>, _ state: inout EncodeState) {
        state.symbols.removeAll(keepingCapacity: true)
        for scalar in scalars {
            let character = scalar == " " ? "▁" : String(scalar)
            if let id = idsByToken[character] {
                state.symbols.append(Int32(id))
                continue
            }
            for byte in UTF8.encode(scalar)! where byteIDs[Int(byte)] >= 0 {
                state.symbols.append(byteIDs[Int(byte)])
            }
        }
        merges.apply(to: &state.symbols, workspace: &state.workspace)
        for symbol in state.symbols { state.output.append(Int(symbol)) }
    }

    /// The `<0xXX>` token SentencePiece spells a byte with.
    private static func byteToken(_ byte: UInt8) -> String {
        "<0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true) + ">"
    }

    /// The bytes a SentencePiece piece stands for: its text with "▁" as a space (a byte token's byte
    /// is set apart, from `byteToken`).
    private static func bytes(ofPiece token: String) -> [UInt8] {
        // "▁" (U+2581) is E2 96 81 in UTF-8.
        var bytes: [UInt8] = []
        let utf8 = Array(token.utf8)
        var i = 0
        while i < utf8.count {
            if i + 2 < utf8.count, utf8[i] == 0xE2, utf8[i + 1] == 0x96, utf8[i + 2] == 0x81 {
                bytes.append(0x20)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return bytes
    }

    /// The bytes a normal token stands for: each scalar of the byte-level alphabet is one byte;
    /// a scalar outside it stands for its own UTF-8 bytes.
    private static func bytes(spelledBy token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in token.unicodeScalars {
            if let byte = ByteLevelAlphabet.byte(for: scalar) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes
    }
}
