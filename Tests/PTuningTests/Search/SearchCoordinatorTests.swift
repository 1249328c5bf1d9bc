@testable import PTuning
import Testing

/// What a search does next, from the trials that have ended (`SearchCoordinator`).
struct SearchCoordinatorTests {
    /// `planned` as a trial that ran to `dev` in `steps` steps.
    func ran(_ planned: PlannedTrial, dev: Double, logLoss: Double? = nil, steps: Int = 10, sound: Bool = true) -> EndedTrial {
        EndedTrial(trial: planned, outcome: .ran, row: SearchReport.Row(
            index: planned.index, rung: planned.rung, learningRate: nil, encoder: nil, template: nil, batchSize: nil,
            maxSteps: planned.steps, seed: nil, dev: dev, devLogLoss: logLoss, test: nil, steps: steps,
            warnings: sound ? [] : ["one_answer"], folder: "trials/\(planned.key)"), sound: sound)
    }

    @Test func trialsRankSoundFirstThenByDevThenLogLossThenPlan() {
        let grid = SearchCoordinator(settings: SearchSettings(space: SearchSpace(seeds: [1, 2, 3, 4, 5])), fullSteps: 10)
        let all = asked(grid.next(ended: [:]))
        let trials = [ran(all[0], dev: 0.5, logLoss: 0.9), ran(all[1], dev: 0.5, logLoss: 0.4), ran(all[2], dev: 0.9, sound: false),
                      ran(all[3], dev: 0.5, logLoss: 0.4), ran(all[4], dev: 0.5)]
        #expect(SearchCoordinator.ranked(trials).map(\.trial.index) == [1, 3, 0, 4, 2])
    }

    func asked(_ step: SearchCoordinator.Step) -> [PlannedTrial] {
        if case .run(let trials) = step { return trials }
        return []
    }

    func finished(_ step: SearchCoordinator.Step) -> SearchCoordinator.SearchOutcome? {
        if case .finish(let outcome) = step { return outcome }
        return nil
    }

    @Test func aGridAsksForEveryTrialNotEndedThenPicksTheBestSoundOne() throws {
        let grid = SearchCoordinator(settings: SearchSettings(space: SearchSpace(seeds: [1, 2, 3])), fullSteps: 10)
        let all = asked(grid.next(ended: [:]))
        #expect(all.map(\.index) == [0, 1, 2] && Set(all.map(\.key)).count == 3 && all.allSatisfy { $0.rung == nil && $0.steps == nil })
        let first = [all[0].key: ran(all[0], dev: 0.9, sound: false)]
        #expect(asked(grid.next(ended: first)).map(\.index) == [1, 2], "only the trials not ended")
        let ended = first.merging([all[1].key: ran(all[1], dev: 0.6),
                                   all[2].key: EndedTrial(trial: all[2], outcome: .failed, reason: "killed")]) { a, _ in a }
        let outcome = try #require(finished(grid.next(ended: ended)))
        #expect(outcome.winner?.trial.index == 1, "a collapsed trial never wins while a sound one ran")
        #expect(outcome.report.trials.map(\.index) == [0, 1] && outcome.report.failed == 1 && outcome.report.steps == 20)
    }

    @Test func halvingAsksForARungOnlyOnceTheLastHasEnded() throws {
        let settings = SearchSettings(space: SearchSpace(seeds: [1, 2, 3, 4]), strategy: .halving, trials: 4, reduction: 2)
        let halving = SearchCoordinator(settings: settings, fullSteps: 8)
        let first = asked(halving.next(ended: [:]))
        #expect(first.count == 4 && first.allSatisfy { $0.rung == 0 && $0.steps == 2 })
        var ended: [String: EndedTrial] = [:]
        for (planned, dev) in zip(first, [0.5, 0.8, 0.7, 0.6]) { ended[planned.key] = ran(planned, dev: dev, steps: 2) }
        let second = asked(halving.next(ended: ended))
        #expect(second.map(\.index) == [1, 2] && second.allSatisfy { $0.rung == 1 && $0.steps == 4 })
        #expect(Set(second.map(\.key)).isDisjoint(with: first.map(\.key)), "a longer run is a trial of its own")
        for (planned, dev) in zip(second, [0.7, 0.9]) { ended[planned.key] = ran(planned, dev: dev, steps: 4) }
        let third = asked(halving.next(ended: ended))
        #expect(third.map(\.index) == [2] && third[0].steps == 8)
        #expect((first + second).allSatisfy { halving.applied($0).rankedOnly } && !halving.applied(third[0]).rankedOnly,
                "only the last rung's trials, trained for their own steps, may be exported and refit")
        ended[third[0].key] = ran(third[0], dev: 0.85, steps: 8)
        let outcome = try #require(finished(halving.next(ended: ended)))
        #expect(outcome.winner?.trial.index == 2 && outcome.report.trials.map(\.rung) == [0, 0, 0, 0, 1, 1, 2])
        #expect(outcome.report.steps == 8 + 8 + 8)
    }

    @Test func aRungWhoseTrialsAllWereRefusedEndsTheSearchWithTheLastThatRan() throws {
        let settings = SearchSettings(space: SearchSpace(seeds: [1, 2]), strategy: .halving, trials: 2, reduction: 2)
        let halving = SearchCoordinator(settings: settings, fullSteps: 4)
        var ended: [String: EndedTrial] = [:]
        for (planned, dev) in zip(asked(halving.next(ended: [:])), [0.4, 0.6]) {
            var trial = ran(planned, dev: dev)
            trial.row?.rankedOnly = true
            ended[planned.key] = trial
        }
        let last = try #require(asked(halving.next(ended: ended)).first)
        ended[last.key] = EndedTrial(trial: last, outcome: .notRun, reason: "budget spent")
        let outcome = try #require(finished(halving.next(ended: ended)))
        #expect(outcome.winner?.trial.index == 1 && outcome.report.notRun == 1)
        #expect(outcome.report.markdown.contains("ended before its last rung: its winner was only ranked"))
    }

    @Test func noTrialStartsOnceABudgetIsSpent() {
        let planned = PlannedTrial(index: 0, rung: nil, steps: nil, key: "trial-1-000000000000", settings: "")
        let budget = SearchCoordinator(settings: SearchSettings(space: SearchSpace(seeds: [1]), budgetSteps: 20, budgetSeconds: 60),
                                       fullSteps: 10)
        #expect(budget.refusal(ended: [ran(planned, dev: 1)], elapsed: 0) == nil)
        #expect(budget.refusal(ended: [ran(planned, dev: 1, steps: 20)], elapsed: 0)?.contains("budget_steps (20)") == true)
        #expect(budget.refusal(ended: [], elapsed: 61)?.contains("budget_time (60 s)") == true)
    }
}
