import Foundation
@testable import PTuning
import Testing

struct FillKindTests {
    @Test func candidatesComeFromTheListTheFileOrNowhere() {
        #expect(FillKind.read(FakeKindManifest(nil)) == FillKind(candidates: nil))
        #expect(FillKind.read(FakeKindManifest(["candidates": ["Paris", "Rome"]])) == FillKind(candidates: ["Paris", "Rome"]))
        let file = FakeKindManifest(["candidates_file": "cities.txt"])
        file.files["cities.txt"] = ["Oslo", "Bern"]
        #expect(FillKind.read(file) == FillKind(candidates: ["Oslo", "Bern"]))
        let both = FakeKindManifest(["candidates": ["a"], "candidates_file": "x.txt"])
        #expect(FillKind.read(both) == nil && both.problems == ["candidates_file: give candidates or candidates_file, not both"])
        let twice = FakeKindManifest(["candidates_file": "c.txt"])
        twice.files["c.txt"] = ["a", "a"]
        #expect(FillKind.read(twice) == nil && twice.problems == ["c.txt: candidate \"a\" is listed twice"])
    }

    @Test func anAnswerMustBeNonEmptyAndACandidate() {
        #expect(FillKind(candidates: nil).answerProblem("", field: "object")?.message == "the target is empty")
        #expect(FillKind(candidates: nil).answerProblem("Paris", field: "object") == nil)
        #expect(FillKind(candidates: ["Rome"]).answerProblem("Paris", field: "object")?.message
                == "target \"Paris\" is not among the candidates")
    }

    @Test func pAt1IsPrimaryAndTheDevSplitIsNotStratified() {
        let kind = FillKind(candidates: nil)
        let predictions = [Prediction(source: "", predicted: "a", gold: "a", top: [], goldInTop10: true),
                           Prediction(source: "", predicted: "a", gold: "b", top: [], goldInTop10: false)]
        let metrics = kind.metrics(of: predictions)
        #expect(metrics.primaryName == .pAt1 && metrics.pAt1 == 0.5 && metrics.pAt10 == 0.5 && metrics.accuracy == nil)
        #expect(!kind.stratifiesDevSplit)
        #expect(abs(kind.uniformLoss(vocabularySize: 100, answerTokens: [1, 2, 3, 4]) - log(4.0)) < 1e-12)
    }
}
