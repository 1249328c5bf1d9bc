/// Why a template did not parse, and where: `column` is 1-based and counts characters.
public struct TemplateParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong at `column`.
    public enum Reason: Sendable, Equatable {
        /// `{name` with no closing `}`.
        case unclosedField
        /// `{}`.
        case emptyField
        /// A character that may not appear in a field name.
        case invalidFieldCharacter(Character)
        /// `[` that starts neither `[P]`, `[P*n]` nor `[[`.
        case unknownBracket
        /// `[P*n]` whose count is missing, not a number, or below 1.
        case badPseudoCount(String)
        /// More pseudo tokens than `Template.maxPseudoTokens`.
        case tooManyPseudoTokens(Int)
        /// A lone `]` or `}`.
        case unmatchedClosing(Character)
        /// No `{target}` slot.
        case missingTarget
        /// Anything after `{target}`, including another `{target}`.
        case textAfterTarget
        /// No `[P]`: P-tuning needs at least one pseudo token.
        case noPseudoTokens
        /// A `[P]` in a manual template, which must be all words.
        case pseudoTokenInManualTemplate
    }

    /// 1-based character position of the problem; one past the end for a missing `{target}`.
    public var column: Int
    public var reason: Reason

    public init(column: Int, reason: Reason) {
        self.column = column
        self.reason = reason
    }

    /// "column 7: unclosed {: expected a field name and }"
    public var description: String { "column \(column): \(message)" }

    /// What went wrong and what was expected, without the column.
    public var message: String {
        switch reason {
        case .unclosedField:
            "unclosed {: expected a field name and } (write {{ for a literal {)"
        case .emptyField:
            "empty {}: expected a field name or target (write {{ for a literal {)"
        case .invalidFieldCharacter(let c):
            "\"\(c)\" in a field name: expected letters, digits, _, - or . and a closing }"
        case .unknownBracket:
            "expected [P] or [P*n] (write [[ for a literal [)"
        case .badPseudoCount(let count):
            "pseudo-token count \"\(count)\": expected a whole number from 1 to \(Template.maxPseudoTokens)"
        case .tooManyPseudoTokens(let total):
            "\(total) pseudo tokens: expected at most \(Template.maxPseudoTokens) in all"
        case .unmatchedClosing(let c):
            "lone \(c): expected \(c)\(c) for a literal \(c)"
        case .missingTarget:
            "no {target}: expected {target} at the end of the template"
        case .textAfterTarget:
            "text after {target}: expected {target} to end the template"
        case .noPseudoTokens:
            "no pseudo token: expected at least one [P] or [P*n]"
        case .pseudoTokenInManualTemplate:
            "a pseudo token in a manual template: expected words only (write [[ for a literal [)"
        }
    }
}

extension Template {
    /// The most pseudo tokens a template may hold in all (the rows of the prompt table).
    public static let maxPseudoTokens = 256

    /// The reserved field name of the target slot.
    public static let targetName = "target"

    /// Whether `c` may appear in a `{field}` name.
    public static func isFieldNameCharacter(_ c: Character) -> Bool {
        c == "_" || c == "-" || c == "." || (c.isASCII && (c.isLetter || c.isNumber))
    }

    /// The field name of the `{name}` opening at `index`, and the index of its closing brace.
    private static func field(_ chars: [Character], openingAt index: Int) throws(TemplateParseError) -> (name: String, end: Int) {
        var end = index + 1
        while end < chars.count, chars[end] != "}" {
            guard isFieldNameCharacter(chars[end]) else {
                throw TemplateParseError(column: end + 1, reason: .invalidFieldCharacter(chars[end]))
            }
            end += 1
        }
        guard end < chars.count else { throw TemplateParseError(column: index + 1, reason: .unclosedField) }
        let name = String(chars[(index + 1)..<end])
        guard !name.isEmpty else { throw TemplateParseError(column: index + 1, reason: .emptyField) }
        return (name, end)
    }

    /// Parses the template syntax described on `Template`; adjacent literal text is merged into one part.
    /// A P-tuning template needs at least one pseudo token; a `manual` one (the baseline a run is
    /// compared with) may have none.
    public static func parse(_ source: String, manual: Bool = false) throws(TemplateParseError) -> Template {
        let chars = Array(source)
        var parts: [Part] = []
        var text = ""
        var index = 0
        var total = 0
        var targetColumn: Int?

        func flushText() {
            if !text.isEmpty { parts.append(.text(text)); text = "" }
        }
        func append(_ part: Part, column: Int) throws(TemplateParseError) {
            if targetColumn != nil { throw TemplateParseError(column: column, reason: .textAfterTarget) }
            if case .text(let s) = part { text += s; return }
            flushText()
            parts.append(part)
        }

        while index < chars.count {
            let c = chars[index]
            let column = index + 1
            let next: Character? = index + 1 < chars.count ? chars[index + 1] : nil
            switch c {
            case "[" where next == "[", "]" where next == "]", "{" where next == "{", "}" where next == "}":
                try append(.text(String(c)), column: column)
                index += 2
            case "]", "}":
                throw TemplateParseError(column: column, reason: .unmatchedClosing(c))
            case "[":
                let count = try pseudoCount(chars, openingAt: index)
                if manual { throw TemplateParseError(column: column, reason: .pseudoTokenInManualTemplate) }
                total += count.value
                if total > maxPseudoTokens {
                    throw TemplateParseError(column: column, reason: .tooManyPseudoTokens(total))
                }
                try append(.pseudo(count: count.value), column: column)
                index = count.end
            case "{":
                let (name, end) = try field(chars, openingAt: index)
                if name == targetName {
                    try append(.target, column: column)
                    targetColumn = column
                } else {
                    try append(.field(name), column: column)
                }
                index = end + 1
            default:
                try append(.text(String(c)), column: column)
                index += 1
            }
        }
        flushText()
        guard targetColumn != nil else {
            throw TemplateParseError(column: chars.count + 1, reason: .missingTarget)
        }
        guard total > 0 || manual else { throw TemplateParseError(column: 1, reason: .noPseudoTokens) }
        return Template(parts: parts, source: source)
    }

    /// Reads `[P]` or `[P*n]` starting at the `[` at `start`; returns n and the index after the `]`.
    private static func pseudoCount(_ chars: [Character], openingAt start: Int)
        throws(TemplateParseError) -> (value: Int, end: Int) {
        let column = start + 1
        guard start + 2 < chars.count, chars[start + 1] == "P" else {
            throw TemplateParseError(column: column, reason: .unknownBracket)
        }
        if chars[start + 2] == "]" { return (1, start + 3) }
        guard chars[start + 2] == "*" else { throw TemplateParseError(column: column, reason: .unknownBracket) }
        var end = start + 3
        while end < chars.count, chars[end] != "]", chars[end] != "[" { end += 1 }
        guard end < chars.count, chars[end] == "]" else {
            throw TemplateParseError(column: column, reason: .unknownBracket)
        }
        let digits = String(chars[(start + 3)..<end])
        guard digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int(digits), (1...maxPseudoTokens).contains(value) else {
            throw TemplateParseError(column: column + 3, reason: .badPseudoCount(digits))
        }
        return (value, end + 1)
    }
}
