import Foundation

/// What a search does next, decided from its settings and the trials that have ended: the same rule
/// for `ptune train`, which runs each trial itself, and for the daemon, which runs them as child jobs
/// and asks again when they have all ended.
public struct SearchCoordinator: Sendable {
    public let settings: SearchSettings
    /// Every configuration, in plan order.
    public let plan: [SearchTrial]
    /// The steps of a configuration that sets none (halving's rungs are cut from the longest).
    public let fullSteps: Int

    public init(settings: SearchSettings, fullSteps: Int) {
        self.settings = settings
        self.plan = SearchPlan.configurations(settings)
        self.fullSteps = fullSteps
    }

    public enum Step: Sendable, Equatable {
        /// These trials have not ended: run them (any order, in parallel if you like), then ask again.
        case run([PlannedTrial])
        /// Every trial the search will run has ended.
        case finish(SearchOutcome)
    }

    /// The trials of a finished search and its winner.
    public struct SearchOutcome: Sendable, Equatable {
        /// The best trial that ran (`halving`: of the last rung that ran); nil when none ran.
        public var winner: EndedTrial?
        /// search.json: every trial that ran, in plan order (rung by rung), the winner marked.
        public var report: SearchReport
    }

    /// The next step, given the trials that have ended, by key.
    public func next(ended: [String: EndedTrial]) -> Step {
        switch settings.strategy {
        case .grid, .random:
            let wanted = plan.map { planned($0, rung: nil, steps: nil) }
            let missing = wanted.filter { ended[$0.key] == nil }
            return missing.isEmpty ? .finish(outcome(wanted.compactMap { ended[$0.key] }, finalists: nil)) : .run(missing)
        case .halving:
            return nextRung(ended: ended)
        }
    }

    /// The configuration with `planned`'s steps: what its run trains.
    public func applied(_ planned: PlannedTrial) -> SearchTrial {
        configured(plan[planned.index], steps: planned.steps)
    }

    /// `trial` trained for `steps` (nil: its own), ranked only when they are fewer than its own.
    private func configured(_ trial: SearchTrial, steps: Int?) -> SearchTrial {
        var configured = trial
        guard let steps else { return configured }
        configured.rankedOnly = steps < trial.steps ?? fullSteps
        configured.steps = steps
        return configured
    }

    /// Why a trial may not start now, when `elapsed` seconds have passed since the search began and
    /// `ended` have ended: `budget_steps` or `budget_time` spent; nil when it may.
    public func refusal(ended: [EndedTrial], elapsed: TimeInterval) -> String? {
        let spent = Self.steps(of: ended)
        if let budget = settings.budgetSteps, spent >= budget {
            return "the search's budget_steps (\(budget)) is spent: its trials trained \(spent) steps"
        }
        if let budget = settings.budgetSeconds, elapsed >= Double(budget) {
            return "the search's budget_time (\(budget) s) is spent"
        }
        return nil
    }

    /// Successive halving: the first rung with trials not yet ended runs them; a rung that has ended
    /// sends its best on to the next.
    private func nextRung(ended: [String: EndedTrial]) -> Step {
        let ownSteps = { (trial: SearchTrial) in trial.steps ?? fullSteps }
        let rungs = SearchPlan.rungs(trials: plan.count, fullSteps: plan.map(ownSteps).max() ?? fullSteps,
                                     reduction: settings.reduction, minimumSteps: settings.minimumSteps)
        var survivors = plan
        var all: [EndedTrial] = []
        var last: [EndedTrial] = []
        for (index, rung) in rungs.enumerated() {
            let wanted = survivors.prefix(rung.trials).map { planned($0, rung: index, steps: min(rung.steps, ownSteps($0))) }
            let missing = wanted.filter { ended[$0.key] == nil }
            guard missing.isEmpty else { return .run(missing) }
            // A configuration whose own steps are fewer than this rung's ran them in an earlier rung.
            let results = wanted.compactMap { planned in ended[planned.key].map { Self.inRung($0, index) } }
            all += results
            let ran = results.filter { $0.outcome == .ran }
            guard !ran.isEmpty else { break }
            last = ran
            survivors = Self.ranked(ran).map { plan[$0.trial.index] }
        }
        return .finish(outcome(all, finalists: last))
    }

    private func planned(_ trial: SearchTrial, rung: Int?, steps: Int?) -> PlannedTrial {
        let applied = configured(trial, steps: steps)
        return PlannedTrial(index: trial.index, rung: rung, steps: steps, key: applied.key, settings: applied.settingsDescription)
    }

    private func outcome(_ results: [EndedTrial], finalists: [EndedTrial]?) -> SearchOutcome {
        let ran = results.filter { $0.outcome == .ran }
        let winner = Self.ranked(finalists ?? ran).first
        let report = SearchReport(strategy: settings.strategy, trials: ran.compactMap(\.row), winner: winner?.trial.index,
                                  notRun: results.filter { $0.outcome == .notRun }.count,
                                  failed: results.filter { $0.outcome == .failed }.count, steps: Self.steps(of: results))
        return SearchOutcome(winner: winner, report: report)
    }

    /// `trial` as a row of `rung` (a configuration carried into a later rung keeps its run).
    private static func inRung(_ trial: EndedTrial, _ rung: Int) -> EndedTrial {
        var trial = trial
        trial.row?.rung = rung
        return trial
    }

    /// Steps trained by `trials`, each run counted once.
    static func steps(of trials: [EndedTrial]) -> Int {
        var seen = Set<String>()
        return trials.reduce(0) { total, trial in
            guard let row = trial.row, seen.insert(trial.trial.key).inserted else { return total }
            return total + row.steps
        }
    }

    /// `trials` best first: sound before unsound, then by dev figure (`DevScore`: the primary metric,
    /// then the log-loss), then the earlier configuration.
    public static func ranked(_ trials: [EndedTrial]) -> [EndedTrial] {
        let missing = DevScore(primary: -1, logLoss: nil)
        return trials.sorted { a, b in
            if a.sound != b.sound { return a.sound }
            let (x, y) = (a.row?.score ?? missing, b.row?.score ?? missing)
            if x != y { return x > y }
            return a.trial.index < b.trial.index
        }
    }
}
