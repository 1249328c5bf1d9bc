@testable import LM
import Testing

/// `decode(encode(s)) == s` for random Unicode text, scalar for scalar.
struct RoundTripTests {
    /// SplitMix64: a small seeded generator, so failures reproduce.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pools: [[ClosedRange<UInt32>]] = [
        [0x20...0x7E], [0x30...0x39], [0xA0...0xFF], [0x4E00...0x9FFF], [0x3040...0x30FF],
        [0x1F300...0x1FAFF, 0x1F1E6...0x1F1FF, 0x200D...0x200D, 0xFE0F...0xFE0F],
        [0x300...0x36F], [0x09...0x0D, 0x20...0x20, 0x85...0x85, 0x2000...0x200B, 0x3000...0x3000],
        [0x00...0x1F, 0x7F...0x9F], [0x27...0x27, 0x64...0x64, 0x6C...0x6C, 0x73...0x74],
        [0x0...0xD7FF, 0xE000...0x10FFFF],
    ]

    /// Random text of scalars whose UTF-8 bytes all have a byte token.
    static func randomText(_ generator: inout SeededGenerator, representable: (Unicode.Scalar) -> Bool) -> String {
        var view = String.UnicodeScalarView()
        while view.count < Int.random(in: 0...40, using: &generator) {
            let ranges = pools.randomElement(using: &generator)!
            let range = ranges.randomElement(using: &generator)!
            let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator))!
            if representable(scalar) { view.append(scalar) }
        }
        return String(view)
    }

    /// Checks random texts round-trip. A vocabulary may lack some byte tokens (SmolLM2 has none
    /// for 0x04, 0xF1, 0xFF and 18 more), whose bytes encoding drops as Hugging Face does; texts
    /// are drawn from the scalars it can spell.
    static func check(_ tokenizer: BPETokenizer, cases: Int, seed: UInt64) {
        let hasByte = ByteLevelAlphabet.scalarForByte.map { tokenizer.id(of: String($0)) != nil }
        let representable = { (scalar: Unicode.Scalar) in String(scalar).utf8.allSatisfy { hasByte[Int($0)] } }
        var generator = SeededGenerator(state: seed)
        for _ in 0..<cases {
            let text = randomText(&generator, representable: representable)
            let decoded = tokenizer.decode(tokenizer.encode(text, parseSpecial: false))
            #expect(sameScalars(decoded, text), "\(text.debugDescription) -> \(decoded.debugDescription)")
        }
    }

    @Test(arguments: ["gpt2", "smollm", "llama-bpe", "qwen2"])
    func byteVocabulary(preTokenizer: String) throws {
        let vocabulary = TokenizerFixtures.byteVocabulary(
            merges: ["Ġ t", "h e", "Ġt he", "' s", "1 2", "ä ¸"], special: ["<s>"], preTokenizer: preTokenizer)
        Self.check(try BPETokenizer(vocabulary: vocabulary), cases: 3000, seed: 1)
    }

    @Test(.enabled(if: TokenizerFixtures.hasSmolLM2, "needs shared/reference/smollm2-hf beside the package"),
          arguments: ["gpt2", "smollm", "llama-bpe", "qwen2"])
    func smolLM2(preTokenizer: String) throws {
        Self.check(try TokenizerFixtures.smolLM2Tokenizer(preTokenizer: preTokenizer), cases: 3000, seed: 2)
    }
}
