import PTuning
import Testing

struct ManualTemplateTests {
    @Test(arguments: [
        ("[P*3] {x} [P*3] It was {target}", "{x} It was {target}"),
        ("[P*3] {sentence}[P*3]{target}", "{sentence}{target}"),
        ("[P*3] {premise} [P*2] {hypothesis} ? [P*3] {target}", "{premise} {hypothesis} ? {target}"),
        ("Review: {x}[P] Sentiment:[P*2] {target}", "Review: {x} Sentiment: {target}"),
        ("[P] [[{x}]] [P]{target}", "[[{x}]] {target}"),
    ])
    func pseudoTokensComeOutWithTheSpaceTheyLeave(_ template: String, _ manual: String) throws {
        let stripped = try Template.parse(template).withoutPseudoTokens
        #expect(stripped.source == manual)
        #expect(stripped.pseudoTokenCount == 0)
        #expect(try Template.parse(manual, manual: true) == stripped)
    }

    @Test func aManualTemplateMayHaveNoPseudoTokenButNotOne() throws {
        #expect(try Template.parse("{x} It was {target}", manual: true).pseudoTokenCount == 0)
        #expect(throws: TemplateParseError(column: 1, reason: .noPseudoTokens)) {
            try Template.parse("{x} It was {target}")
        }
        #expect(throws: TemplateParseError(column: 5, reason: .pseudoTokenInManualTemplate)) {
            try Template.parse("{x} [P] It was {target}", manual: true)
        }
    }

    @Test func theBaselineIsTheGivenManualTemplateElseTheStrippedOne() throws {
        var spec = TaskSpec(name: "t", kind: FillKind(candidates: nil), template: try Template.parse("[P] {x} [P] {target}"),
                            labelField: "y")
        #expect(spec.baselineTemplate.source == "{x} {target}")
        spec.manualTemplate = try Template.parse("{x} is the capital of {target}", manual: true)
        #expect(spec.baselineTemplate.source == "{x} is the capital of {target}")
    }
}
