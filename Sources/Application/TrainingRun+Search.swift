import Base
import Foundation
import LM
import PTuning
import Spool

extension TrainingRun {
    /// A trial trained: its row of search.json, and what the search exports should it win.
    struct TrialRun {
        /// The trial as planned (a rung's steps not applied).
        var trial: SearchTrial
        var row: SearchReport.Row
        var outcome: TrainingOutcome
        var encoder: ExampleEncoder
        /// Whether its chosen seed neither collapsed nor diverged.
        var sound: Bool
    }

    /// Runs the bundle's `[search]`: every planned trial one after another (`halving`: rung by rung,
    /// the best of each rung going on), each a whole training run checkpointed in its own folder
    /// under checkpoints/, so a stopped search resumes where it stopped. No trial starts once
    /// `budget_steps` or `budget_time` (counted from this start) is spent. The winner (the best dev
    /// figure among the trials that neither collapsed nor diverged, the earlier on a tie; `halving`:
    /// among the last rung's) has its outputs written as the run's, with search.json and search.md.
    func runSearch(_ search: SearchSettings, bundle: TaskBundle, model: LanguageModel, spec: TaskSpec,
                   startedAt: Date) throws -> Result {
        let plan = SearchPlan.configurations(search)
        var ran: [TrialRun] = []
        var spent = 0
        var notRun = 0
        func run(_ trial: SearchTrial, rung: Int?, steps: Int?) throws -> TrialRun? {
            let budgetLeft = search.budgetSteps.map { spent < $0 } ?? true
            let timeLeft = search.budgetSeconds.map { Date().timeIntervalSince(startedAt) < Double($0) } ?? true
            guard budgetLeft && timeLeft else {
                notRun += 1
                return nil
            }
            var applied = trial
            if let steps { applied.steps = steps }
            let folder = "checkpoints/trial-\(trial.index + 1)" + (rung.map { "/rung-\($0 + 1)" } ?? "")
            log("trial \(trial.index + 1) of \(plan.count)" + (rung.map { ", rung \($0 + 1)" } ?? "") + ": " + Self.describe(applied))
            let (outcome, encoder) = try train(applied.applied(to: spec), bundle: bundle, model: model,
                                               checkpoints: outputDirectory.appendingPathComponent(folder))
            let result = Self.trialRun(trial, applied: applied, rung: rung, outcome: outcome, encoder: encoder, folder: folder)
            spent += result.row.steps
            return result
        }
        var finalists: [TrialRun] = []
        switch search.strategy {
        case .grid, .random:
            finalists = try plan.compactMap { try run($0, rung: nil, steps: nil) }
            ran = finalists
        case .halving:
            let fullSteps = spec.training.resolved(encoder: spec.encoder.kind, trainingExamples: bundle.train.count, hasDev: true)
                .totalSteps(trainingExamples: bundle.train.count)
            let ownSteps = { (trial: SearchTrial) in trial.steps ?? fullSteps }
            let rungs = SearchPlan.rungs(trials: plan.count, fullSteps: plan.map(ownSteps).max() ?? fullSteps,
                                         reduction: search.reduction, minimumSteps: search.minimumSteps)
            var survivors = plan
            for (index, rung) in rungs.enumerated() {
                finalists = try survivors.compactMap { try run($0, rung: index, steps: min(rung.steps, ownSteps($0))) }
                ran += finalists
                if index + 1 < rungs.count { survivors = Self.ranked(finalists).prefix(rungs[index + 1].trials).map(\.trial) }
            }
        }
        guard let winner = Self.ranked(finalists).first else {
            throw ActionableError("the search ran no trial", hint: "raise budget_steps or budget_time")
        }
        var files = try writeOutputs(outcome: winner.outcome, bundle: bundle, model: model, encoder: winner.encoder,
                                     startedAt: startedAt)
        let report = SearchReport(strategy: search.strategy, trials: ran.map(\.row), winner: winner.trial.index,
                                  notRun: notRun, steps: spent)
        let json = JSONEncoder()
        json.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try json.encode(report), to: outputDirectory.appendingPathComponent("search.json").path)
        try AtomicFile.write(Data(report.markdown.utf8), to: outputDirectory.appendingPathComponent("search.md").path)
        files += ["search.json", "search.md"]
        log("search: trial \(winner.trial.index + 1) of \(plan.count) wins (" + Self.describe(winner.trial) + ")")
        return Result(outcome: winner.outcome, bundle: bundle, files: files)
    }

    /// `runs` best first: sound before unsound, then by dev figure, then the earlier trial.
    static func ranked(_ runs: [TrialRun]) -> [TrialRun] {
        runs.sorted { a, b in
            (a.sound ? 1 : 0, a.row.dev ?? -1, -a.trial.index) > (b.sound ? 1 : 0, b.row.dev ?? -1, -b.trial.index)
        }
    }

    static func trialRun(_ trial: SearchTrial, applied: SearchTrial, rung: Int?, outcome: TrainingOutcome,
                         encoder: ExampleEncoder, folder: String) -> TrialRun {
        let chosen = outcome.seeds.first { $0.seed == outcome.bestSeed }
        let test: Metrics? = switch outcome.exported {
        case .manualTemplate: outcome.baselines.manual.test
        case .refit: outcome.refit?.result.test
        case .chosenSeed: chosen?.test
        }
        let warnings = chosen?.warnings.map(\.kind) ?? []
        let row = SearchReport.Row(index: trial.index, rung: rung, learningRate: applied.learningRate.map { Double(shortest: $0) },
                                   encoder: applied.encoder?.rawValue, template: applied.template?.source,
                                   batchSize: applied.batchSize, maxSteps: applied.steps, seed: applied.seed,
                                   dev: outcome.crossValidation?.best.primary ?? chosen?.dev?.primary, test: test?.primary,
                                   steps: (outcome.seeds + (outcome.refit.map { [$0.result] } ?? [])).map(\.steps).reduce(0, +),
                                   warnings: warnings.map(\.rawValue), folder: folder)
        return TrialRun(trial: trial, row: row, outcome: outcome, encoder: encoder,
                        sound: !warnings.contains(.oneAnswer) && !warnings.contains(.lossAboveUniform))
    }

    /// "learning rate 0.003, encoder none, seed 13": the values a trial sets.
    static func describe(_ trial: SearchTrial) -> String {
        let parts = [trial.learningRate.map { "learning rate \($0)" }, trial.encoder.map { "encoder \($0.rawValue)" },
                     trial.template.map { "template \($0.source)" }, trial.batchSize.map { "batch \($0)" },
                     trial.steps.map { "\($0) steps" }, trial.seed.map { "seed \($0)" }]
        return parts.compactMap { $0 }.joined(separator: ", ")
    }
}
