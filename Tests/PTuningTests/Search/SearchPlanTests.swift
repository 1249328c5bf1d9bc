@testable import PTuning
import Testing

/// The trials a search runs and the steps they take (`SearchPlan`).
struct SearchPlanTests {
    let space = SearchSpace(learningRate: .values([1e-3, 3e-3]), encoder: [.none, .mlp, .lstm], seeds: [13, 21])

    @Test func aGridListsEveryCombinationTheLastDimensionFastest() {
        let trials = SearchPlan.configurations(SearchSettings(space: space))
        #expect(trials.count == 12 && trials.map(\.index) == Array(0..<12))
        #expect(trials.prefix(3).map(\.seed) == [13, 21, 13] && trials.prefix(3).map(\.encoder) == [EncoderKind.none, EncoderKind.none, .mlp])
        #expect(trials.allSatisfy { $0.batchSize == nil && $0.steps == nil && $0.template == nil })
        #expect(Set(trials.map { "\($0.learningRate!) \($0.encoder!) \($0.seed!)" }).count == 12)
        #expect(SearchPlan.configurations(SearchSettings(space: space, trials: 5)) == Array(trials.prefix(5)))
    }

    @Test func theGridSizeIsTheProductOfTheListsAndSaturatesInsteadOfOverflowing() {
        #expect(SearchPlan.gridSize(space) == 12)
        let seeds = (0..<UInt64(1 << 16)).map { $0 }
        let huge = SearchSpace(batchSize: Array(1...(1 << 16)), steps: Array(1...(1 << 16)), seeds: seeds)
        #expect(SearchPlan.gridSize(huge) == 1 << 48)
        var wider = huge
        wider.learningRate = .values(seeds.map { Float($0) })
        #expect(SearchPlan.gridSize(wider) == Int.max)
        #expect(SearchPlan.configurations(SearchSettings(space: wider, trials: 2)).map(\.seed) == [0, 1])
    }

    @Test func aLogRangeOnAGridIsSpacedEvenlyInLog() {
        let values = LearningRates.range(min: 1e-4, max: 1e-1, points: 4).gridValues!
        for (value, expected) in zip(values, [1e-4, 1e-3, 1e-2, 1e-1] as [Float]) {
            #expect(abs(value / expected - 1) < 1e-5)
        }
        #expect(LearningRates.range(min: 1e-4, max: 1e-1, points: nil).gridValues == nil)
    }

    @Test func randomDrawsAreTheSameForTheSameSeedAndStayInTheSpace() {
        let ranged = SearchSpace(learningRate: .range(min: 1e-4, max: 1e-2, points: nil), encoder: [.none, .mlp])
        let settings = SearchSettings(space: ranged, strategy: .random, trials: 50, seed: 4)
        let trials = SearchPlan.configurations(settings)
        #expect(trials.count == 50 && trials == SearchPlan.configurations(settings))
        #expect(trials.allSatisfy { (1e-4...1e-2).contains($0.learningRate!) })
        #expect(trials.contains { $0.learningRate! < 1e-3 } && trials.contains { $0.learningRate! > 1e-3 },
                "log-uniform: both decades drawn")
        #expect(Set(trials.map(\.encoder)).count == 2)
        var other = settings
        other.seed = 5
        #expect(SearchPlan.configurations(other) != trials)
    }

    @Test func aTrialReplacesOnlyWhatItSets() throws {
        var training = TrainingSettings()
        training.learningRate = 5e-3
        let spec = TaskSpec(name: "t", kind: ClassifyKind(labels: [LabelWord(label: "1", word: "yes"), LabelWord(label: "0", word: "no")]),
                            template: try Template.parse("[P*3] {x} {target}"), labelField: "label",
                            encoder: EncoderSettings(kind: .lstm), training: training)
        let trial = SearchTrial(index: 0, encoder: EncoderKind.none, steps: 40, seed: 7)
        let applied = trial.applied(to: spec)
        #expect(applied.encoder.kind == .none && applied.training.maxSteps == 40 && applied.training.seeds == [7])
        #expect(applied.training.learningRate == 5e-3 && applied.template == spec.template && applied.training.refit)
        let ranked = SearchTrial(index: 0, steps: 10, rankedOnly: true)
        #expect(ranked.applied(to: spec).training.refit == false, "a trial only ranked does not refit")
        #expect(ranked.key == SearchTrial(index: 0, steps: 10).key && ranked.settingsDescription.contains("no refit"),
                "being ranked only follows from the plan: a search resumed across versions keeps its trials")
    }

    @Test func halvingKeepsATimesFewerTrialsForATimesTheSteps() {
        #expect(SearchPlan.rungs(trials: 27, fullSteps: 270, reduction: 3, minimumSteps: nil)
            == [SearchRung(trials: 27, steps: 10), SearchRung(trials: 9, steps: 30), SearchRung(trials: 3, steps: 90),
                SearchRung(trials: 1, steps: 270)])
        #expect(SearchPlan.rungs(trials: 12, fullSteps: 300, reduction: 3, minimumSteps: nil)
            == [SearchRung(trials: 12, steps: 33), SearchRung(trials: 4, steps: 100), SearchRung(trials: 1, steps: 300)],
                "the best third goes on each time")
        #expect(SearchPlan.rungs(trials: 12, fullSteps: 300, reduction: 3, minimumSteps: 50)
            == [SearchRung(trials: 12, steps: 100), SearchRung(trials: 4, steps: 300)], "a rung of 33 steps is below 50")
        #expect(SearchPlan.rungs(trials: 26, fullSteps: 270, reduction: 3, minimumSteps: nil).map(\.trials) == [26, 8, 2])
        #expect(SearchPlan.rungs(trials: 1, fullSteps: 200, reduction: 2, minimumSteps: nil) == [SearchRung(trials: 1, steps: 200)])
    }
}
