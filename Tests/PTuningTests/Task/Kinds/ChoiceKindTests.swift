@testable import PTuning
import Testing

struct ChoiceKindTests {
    @Test func readsOptionFieldsAndAMargin() {
        #expect(ChoiceKind.read(FakeKindManifest(["fields": ["c1", "c2"], "margin": 0.5])) == ChoiceKind(fields: ["c1", "c2"], margin: 0.5))
        #expect(ChoiceKind.read(FakeKindManifest(["fields": ["c1", "c2"]])) == ChoiceKind(fields: ["c1", "c2"], margin: 1))
        let label = FakeKindManifest(["fields": ["c1", "label"]])
        #expect(ChoiceKind.read(label) == nil && label.problems == ["fields: \"label\" is the label field"])
        let margin = FakeKindManifest(["fields": ["c1", "c2"], "margin": -1.0])
        #expect(ChoiceKind.read(margin) == nil && margin.problems == ["margin: not allowed (greater than 0)"])
        let missing = FakeKindManifest(nil)
        #expect(ChoiceKind.read(missing) == nil && missing.problems == ["table: missing [choice] table"])
    }

    @Test func recordsNeedTheOptionFieldsAndAnIndexAsAnswer() {
        let kind = ChoiceKind(fields: ["c1", "c2", "c3"], margin: 1)
        #expect(kind.recordFields == ["c1", "c2", "c3"])
        #expect(kind.answerProblem("2", field: "label") == nil)
        #expect(kind.answerProblem("3", field: "label")?.message == "label \"3\" is not an option index")
        #expect(kind.uniformLoss(vocabularySize: 100, answerTokens: nil) == 2)
    }
}
