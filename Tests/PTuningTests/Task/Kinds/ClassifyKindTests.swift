@testable import PTuning
import Testing

struct ClassifyKindTests {
    @Test func readsOneWordPerLabelAndNeedsTwoDistinctOnes() {
        let good = FakeKindManifest(["0": "bad", "1": "great"])
        #expect(ClassifyKind.read(good) == ClassifyKind(labels: [LabelWord(label: "0", word: "bad"), LabelWord(label: "1", word: "great")]))
        let shared = FakeKindManifest(["0": "great", "1": "great"])
        #expect(ClassifyKind.read(shared) == nil)
        #expect(shared.problems == ["1: label word \"great\" is also the word for label \"0\""])
        let one = FakeKindManifest(["0": "bad"])
        #expect(ClassifyKind.read(one) == nil && one.problems == ["table: 1 label; classify needs at least 2"])
        let missing = FakeKindManifest(nil)
        #expect(ClassifyKind.read(missing) == nil && missing.problems == ["table: missing [labels] table"])
    }

    @Test func anAnswerMustBeALabel() {
        let kind = ClassifyKind(labels: [LabelWord(label: "0", word: "bad"), LabelWord(label: "1", word: "great")])
        #expect(kind.answerProblem("1", field: "label") == nil)
        #expect(kind.answerProblem("2", field: "label")?.message == "label \"2\" has no label word")
    }

    @Test func accuracyAndMacroF1AreItsMetricsAccuracyPrimary() {
        let kind = ClassifyKind(labels: [LabelWord(label: "0", word: "bad"), LabelWord(label: "1", word: "great")])
        let predictions = [("1", "1"), ("1", "0"), ("0", "0"), ("1", "1")].map {
            Prediction(source: "", predicted: $0.0, gold: $0.1, top: [], goldInTop10: nil)
        }
        let metrics = kind.metrics(of: predictions)
        #expect(metrics.primaryName == .accuracy && metrics.accuracy == 0.75)
        // F1(1) = 2·2 / (2·2 + 1) = 0.8, F1(0) = 2·1 / (2·1 + 1) = 2/3.
        #expect(abs((metrics.macroF1 ?? 0) - (0.8 + 2.0 / 3) / 2) < 1e-12)
    }
}
