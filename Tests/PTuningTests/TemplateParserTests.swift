import PTuning
import Testing

@Suite struct TemplateParserTests {
    private func reason(_ source: String) -> TemplateParseError? {
        do {
            _ = try Template.parse(source)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesPseudoTokensFieldsTextAndTarget() throws {
        let template = try Template.parse("[P*3] {premise} ? [P] {hypothesis} [P*2] Answer:{target}")
        #expect(template.parts == [
            .pseudo(count: 3), .text(" "), .field("premise"), .text(" ? "), .pseudo(count: 1), .text(" "),
            .field("hypothesis"), .text(" "), .pseudo(count: 2), .text(" Answer:"), .target,
        ])
        #expect(template.pseudoTokenCount == 6)
        #expect(template.fieldNames == ["premise", "hypothesis"])
        #expect(template.source == "[P*3] {premise} ? [P] {hypothesis} [P*2] Answer:{target}")
    }

    @Test func escapesBecomeLiteralTextMergedWithNeighbours() throws {
        let template = try Template.parse("[P]a [[b]] {{c}} d{target}")
        #expect(template.parts == [.pseudo(count: 1), .text("a [b] {c} d"), .target])
    }

    @Test func fieldNamesTakeLettersDigitsUnderscoreDashDot() throws {
        let template = try Template.parse("[P]{sub_label}{a-b.c9}{target}")
        #expect(template.fieldNames == ["sub_label", "a-b.c9"])
    }

    @Test func adjacentPseudoTokensStaySeparateParts() throws {
        let template = try Template.parse("[P][P*2]{x}{target}")
        #expect(template.parts == [.pseudo(count: 1), .pseudo(count: 2), .field("x"), .target])
        #expect(template.isPrefixOnly)
    }

    @Test func allowsTheFullPseudoTokenBudget() throws {
        #expect(try Template.parse("[P*200][P*56]{target}").pseudoTokenCount == Template.maxPseudoTokens)
    }

    @Test(arguments: [
        ("[P] {premise", 5, TemplateParseError.Reason.unclosedField),
        ("[P] {} {target}", 5, .emptyField),
        ("[P] {a b} {target}", 7, .invalidFieldCharacter(" ")),
        ("[P*0] {target}", 4, .badPseudoCount("0")),
        ("[P*] {target}", 4, .badPseudoCount("")),
        ("[P*x] {target}", 4, .badPseudoCount("x")),
        ("[P*257] {target}", 4, .badPseudoCount("257")),
        ("[P*200][P*57] {target}", 8, .tooManyPseudoTokens(257)),
        ("[Q] {target}", 1, .unknownBracket),
        ("[P {target}", 1, .unknownBracket),
        ("[P] a ] {target}", 7, .unmatchedClosing("]")),
        ("[P] a } {target}", 7, .unmatchedClosing("}")),
        ("[P] {x}", 8, .missingTarget),
        ("", 1, .missingTarget),
        ("[P] {target}.", 13, .textAfterTarget),
        ("[P] {target} ", 13, .textAfterTarget),
        ("[P] {target}{target}", 13, .textAfterTarget),
        ("[P] {target}[P]", 13, .textAfterTarget),
        ("{x} It was {target}", 1, .noPseudoTokens),
    ])
    func rejects(source: String, column: Int, expected: TemplateParseError.Reason) {
        let error = reason(source)
        #expect(error?.reason == expected, "\(source)")
        #expect(error?.column == column, "\(source)")
    }

    @Test func messagesNameTheColumnAndWhatWasExpected() {
        let error = reason("[P] {premise")
        #expect(error?.description == "column 5: unclosed {: expected a field name and } (write {{ for a literal {)")
        #expect(reason("[P*0]{target}")?.description.contains("expected a whole number from 1 to 256") == true)
        #expect(reason("[P] {x}")?.description.contains("expected {target}") == true)
    }
}
