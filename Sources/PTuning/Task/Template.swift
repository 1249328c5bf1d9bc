import Foundation

/// A P-tuning template: pseudo tokens placed anywhere among literal anchor text, record fields and
/// the target slot, e.g. `"[P*3] {premise} ? [P*3] {hypothesis} [P*3] Answer:{target}"`.
///
/// Syntax: `[P]` one pseudo token, `[P*n]` n of them; `{name}` a record field; `{target}` the slot the
/// model predicts, which must come last; `[[`, `]]`, `{{` and `}}` stand for literal brackets and
/// braces; everything else is literal text, spaces included.
public struct Template: Sendable, Equatable, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        /// `count` consecutive pseudo tokens.
        case pseudo(count: Int)
        /// Literal anchor text.
        case text(String)
        /// The value of a record field.
        case field(String)
        /// The target slot.
        case target

        /// Whether the part is text the model reads or predicts (anchor, field or target), not pseudo tokens.
        public var isText: Bool {
            if case .pseudo = self { return false }
            return true
        }
    }

    public let parts: [Part]
    /// The template as written.
    public let source: String

    public init(parts: [Part], source: String) {
        self.parts = parts
        self.source = source
    }

    /// m: the number of pseudo tokens, the rows of the prompt table.
    public var pseudoTokenCount: Int {
        parts.reduce(0) { if case .pseudo(let n) = $1 { return $0 + n } else { return $0 } }
    }

    /// The record fields the template names, in order of first use.
    public var fieldNames: [String] {
        var seen: [String] = []
        for case .field(let name) in parts where !seen.contains(name) { seen.append(name) }
        return seen
    }

    /// Whether every pseudo token comes before any text, field or target: the only shape a PEFT
    /// prompt (which PEFT always prepends) reproduces exactly.
    public var isPrefixOnly: Bool {
        guard let firstText = parts.firstIndex(where: \.isText) else { return true }
        return !parts[firstText...].contains { !$0.isText }
    }

    public var description: String { source }

    /// The template with its pseudo tokens taken out: the manual prompt a P-tuned one is compared
    /// with. Where a pseudo token stood between two spaces one space is kept, and the space a leading
    /// pseudo token left at the start is dropped: `"[P*3] {x} [P*3] It was {target}"` becomes
    /// `"{x} It was {target}"`.
    public var withoutPseudoTokens: Template {
        var kept: [Part] = []
        var removedBefore = false
        for part in parts {
            switch part {
            case .pseudo:
                removedBefore = true
            case .text(var text):
                let previousEndsInSpace: Bool
                if case .text(let before)? = kept.last { previousEndsInSpace = before.last?.isWhitespace ?? false }
                else { previousEndsInSpace = kept.isEmpty }
                if removedBefore && previousEndsInSpace { text = String(text.drop { $0 == " " }) }
                if case .text(let before)? = kept.last {
                    kept[kept.count - 1] = .text(before + text)
                } else if !text.isEmpty {
                    kept.append(.text(text))
                }
                removedBefore = false
            default:
                kept.append(part)
                removedBefore = false
            }
        }
        return Template(parts: kept, source: Self.render(kept))
    }

    /// The template syntax that parses back to `parts`.
    static func render(_ parts: [Part]) -> String {
        parts.map { part -> String in
            switch part {
            case .pseudo(let count): count == 1 ? "[P]" : "[P*\(count)]"
            case .text(let text):
                text.replacingOccurrences(of: "[", with: "[[").replacingOccurrences(of: "]", with: "]]")
                    .replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}")
            case .field(let name): "{\(name)}"
            case .target: "{target}"
            }
        }.joined()
    }
}
