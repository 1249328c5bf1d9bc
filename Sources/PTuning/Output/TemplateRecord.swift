/// A template part as JSON: `{"kind": "pseudo", "count": 3}`, `{"kind": "text", "text": " ? "}`,
/// `{"kind": "field", "name": "premise"}` or `{"kind": "target"}`.
struct TemplatePartRecord: Codable, Equatable {
    var kind: String
    var count: Int?
    var text: String?
    var name: String?

    init(_ part: Template.Part) {
        switch part {
        case .pseudo(let count): self.kind = "pseudo"; self.count = count
        case .text(let text): self.kind = "text"; self.text = text
        case .field(let name): self.kind = "field"; self.name = name
        case .target: self.kind = "target"
        }
    }

    /// The part, or nil when the record is not one of the four shapes.
    var part: Template.Part? {
        switch (kind, count, text, name) {
        case ("pseudo", let count?, nil, nil) where (1...Template.maxPseudoTokens).contains(count): .pseudo(count: count)
        case ("text", nil, let text?, nil): .text(text)
        case ("field", nil, nil, let name?): .field(name)
        case ("target", nil, nil, nil): .target
        default: nil
        }
    }
}
