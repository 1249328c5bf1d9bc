/// The character classes the byte-level pre-tokenizer patterns are written in.
///
/// `letter` is `\p{L}` (Lu, Ll, Lt, Lm, Lo), `number` is `\p{N}` (Nd, Nl, No) and `whitespace`
/// is `\s` as Oniguruma (the engine behind Hugging Face `tokenizers`) reads it for Unicode text:
/// the White_Space property. So U+0085 and U+00A0 are whitespace, while U+001C…U+001F and
/// U+200B are not. Everything else is `other`.
enum ScalarClass: UInt8 {
    case letter, number, whitespace, other

    init(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        if value < 128 {
            self = ScalarClass.ascii[Int(value)]
        } else {
            self = ScalarClass.classify(scalar)
        }
    }

    private static let ascii: [ScalarClass] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    private static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return properties.isWhitespace ? .whitespace : .other
        }
    }
}
