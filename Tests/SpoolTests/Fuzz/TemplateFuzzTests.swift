import PTuning
import Testing

/// `Template.parse` on mutated templates: each is accepted as a well-formed template or refused
/// with a message and a column inside the text.
@Suite struct TemplateFuzzTests {
    static let seeds = [
        "[P*3] {sentence} [P*3] It was{target}",
        "[P*3] {premise} ? [P*3] {hypothesis} [P*3] Answer:{target}",
        "[[x]] {{y}} [P] {a.b-c_d} ]] }}{target}",
        "[P*256]{target}",
        "[P][P*2][P*0004] Ça {phrase} é́ 😀{target}",
    ].map { Array($0.utf8) }

    static let tokens = ["[P*", "[P]", "[P*256]", "[P*257]", "[P*9999]", "[P*-1]", "[P*0]", "{target}", "{{", "}}",
                         "[[", "]]", "{x}", "P", "*"].map { Array($0.utf8) }

    @Test func everyTemplateIsParsedOrRefusedWithAColumn() {
        var fuzzer = Fuzzer(target: "template", seeds: Self.seeds, mutator: ByteMutator(tokens: Self.tokens))
        fuzzer.maxInputBytes = 512
        fuzzer.run(defaultIterations: 50_000) { (bytes: [UInt8]) -> Fuzzer.Verdict in
            let source = String(decoding: bytes, as: UTF8.self)
            let length = source.count
            do throws(TemplateParseError) {
                let template = try Template.parse(source)
                guard (1...Template.maxPseudoTokens).contains(template.pseudoTokenCount), template.parts.last == .target,
                      template.fieldNames.allSatisfy({ !$0.isEmpty && $0.allSatisfy(Template.isFieldNameCharacter) }) else {
                    return .failed("accepted a malformed template: \(template.parts)")
                }
                return .accepted
            } catch {
                guard !error.message.isEmpty, (1...(length + 1)).contains(error.column) else {
                    return .failed("refused with \"\(error.description)\" for \(length) characters")
                }
                return .rejected
            }
        }
    }
}
