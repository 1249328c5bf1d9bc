import Tensor

/// Makes a variant of an input by a few random edits: bit flips, odd bytes, insertions, deletions,
/// duplicated ranges, splices with another input, cuts, and tokens that tend to matter to parsers.
struct ByteMutator {
    /// Byte strings worth inserting or writing over: syntax of the format under test, big and
    /// negative numbers, NUL, and UTF-8 that is broken or unusual.
    let tokens: [[UInt8]]

    /// Tokens every parser here should meet.
    static let commonTokens: [[UInt8]] = [
        "\"", "'", "\n", "\r\n", "=", "[", "]", "{", "}", ".", "/", "..", "../", "#", " ", "\t", "\\",
        "0", "-1", "1e308", "-0", "nan", "inf", "-inf", "4294967296", "9223372036854775807",
        "9223372036854775808", "99999999999999999999999",
    ].map { Array($0.utf8) } + [
        [0], [0xFF], [0xFE], [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xEF, 0xBB, 0xBF], Array("e\u{301}".utf8), Array("\u{202E}".utf8), Array("😀".utf8),
    ]

    init(tokens: [[UInt8]]) { self.tokens = tokens + Self.commonTokens }

    /// `input` after one to five edits; `others` are inputs to splice from.
    func mutate(_ input: [UInt8], others: [[UInt8]], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...5, using: &random) {
            edit(&bytes, others: others, using: &random)
        }
        return bytes
    }

    private func edit(_ bytes: inout [UInt8], others: [[UInt8]], using random: inout SeededGenerator) {
        let position = Int.random(in: 0...bytes.count, using: &random)
        switch Int.random(in: 0..<9, using: &random) {
        case 0 where position < bytes.count:
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1 where position < bytes.count:
            bytes[position] = [0, 0x20, 0x7F, 0x80, 0xFF, UInt8.random(in: 0...255, using: &random)]
                .randomElement(using: &random)!
        case 2, 3:
            bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: position)
        case 4 where position < bytes.count:
            let token = tokens.randomElement(using: &random)!
            let end = min(bytes.count, position + token.count)
            bytes.replaceSubrange(position..<end, with: token)
        case 5 where position < bytes.count:
            let end = min(bytes.count, position + Int.random(in: 1...32, using: &random))
            bytes.removeSubrange(position..<end)
        case 6 where position < bytes.count:
            let end = min(bytes.count, position + Int.random(in: 1...64, using: &random))
            let copy = Array(bytes[position..<end])
            bytes.insert(contentsOf: copy, at: Int.random(in: 0...bytes.count, using: &random))
        case 7:
            guard let other = others.randomElement(using: &random) else { return }
            let cut = Int.random(in: 0...other.count, using: &random)
            bytes = Array(bytes[..<position]) + other[cut...]
        case 8:
            bytes.removeSubrange(position...)
        default:
            bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
        }
    }
}
