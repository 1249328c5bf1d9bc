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
    /// the best of each rung going on), each a whole training run checkpointed in a folder of its own
    /// under checkpoints/ named by its settings, so a stopped search resumes where it stopped and a
    /// changed one does not reuse another's trials. Every template variant is encoded before the
    /// first trial trains; all trials are cross-validated or not alike, as the bundle's own settings
    /// would be. No trial starts once `budget_steps` or `budget_time` (counted from this start) is
    /// spent. The winner (the best dev figure among the trials that neither collapsed nor diverged,
    /// the earlier on a tie; `halving`: among the last rung that ran) has its outputs written as
    /// the run's, with search.json and search.md.
    func runSearch(_ search: SearchSettings, bundle: TaskBundle, model: LanguageModel, spec: TaskSpec,
                   startedAt: Date) throws -> Result {
        let plan = SearchPlan.configurations(search)
        // The records depend on the template alone: each is encoded once, every variant before the
        // first trial trains.
        var records: [String: TrainingData] = [:]
        for template in [spec.template] + (search.space.template ?? []) where records[template.source] == nil {
            var variant = spec
            variant.template = template
            records[template.source] = try encoded(variant, bundle: bundle, model: model, foldsBy: spec).1
        }
        var ran: [TrialRun] = []
        var byFolder: [String: TrialRun] = [:]
        var spent = 0
        var notRun = 0
        func run(_ trial: SearchTrial, _ rung: Int?, _ steps: Int?) throws -> TrialRun? {
            var applied = trial
            if let steps { applied.steps = steps }
            let folder = "checkpoints/trial-\(trial.index + 1)-" + ContentHash.sha256Hex(Data(Self.describe(applied).utf8)).prefix(12)
            if var again = byFolder[folder] {
                again.row.rung = rung
                return again
            }
            let budgetLeft = search.budgetSteps.map { spent < $0 } ?? true
            let timeLeft = search.budgetSeconds.map { Date().timeIntervalSince(startedAt) < Double($0) } ?? true
            guard budgetLeft && timeLeft else {
                notRun += 1
                return nil
            }
            log("trial \(trial.index + 1) of \(plan.count)" + (rung.map { ", rung \($0 + 1)" } ?? "") + ": " + Self.describe(applied))
            let trialSpec = applied.applied(to: spec)
            let encoder = try ExampleEncoder(spec: trialSpec, tokenizer: model.tokenizer)
            let data = records[trialSpec.template.source]!  // every template a trial can have was encoded above
            let outcome = try train(encoder, data: data, model: model, checkpoints: outputDirectory.appendingPathComponent(folder))
            let result = Self.trialRun(trial, applied: applied, rung: rung, outcome: outcome, encoder: encoder, folder: folder)
            spent += result.row.steps
            byFolder[folder] = result
            return result
        }
        var finalists: [TrialRun] = []
        switch search.strategy {
        case .grid, .random:
            finalists = try plan.compactMap { try run($0, nil, nil) }
            ran = finalists
        case .halving:
            (ran, finalists) = try halving(plan, search: search, spec: spec, bundle: bundle, run: run)
        }
        guard let winner = Self.ranked(finalists).first else {
            throw ActionableError("the search ran no trial", hint: "raise budget_steps or budget_time")
        }
        var files = try writeOutputs(outcome: winner.outcome, bundle: bundle, model: model, encoder: winner.encoder,
                                     startedAt: startedAt)
        let report = SearchReport(strategy: search.strategy, trials: ran.map(\.row), winner: winner.trial.index,
                                  notRun: notRun, steps: spent)
        files += try write(report)
        log("search: trial \(winner.trial.index + 1) of \(plan.count) wins (" + Self.describe(winner.trial) + ")")
        return Result(outcome: winner.outcome, bundle: bundle, files: files)
    }

    /// Successive halving over `plan`: each rung's trials by `run` for the rung's steps (a trial's own
    /// steps when fewer), the best of them going on; every trial run and the last rung that ran.
    private func halving(_ plan: [SearchTrial], search: SearchSettings, spec: TaskSpec, bundle: TaskBundle,
                         run: (SearchTrial, Int?, Int?) throws -> TrialRun?) throws -> (ran: [TrialRun], last: [TrialRun]) {
        let fullSteps = spec.training.resolved(encoder: spec.encoder.kind, trainingExamples: bundle.train.count, hasDev: true)
            .totalSteps(trainingExamples: bundle.train.count)
        let ownSteps = { (trial: SearchTrial) in trial.steps ?? fullSteps }
        let rungs = SearchPlan.rungs(trials: plan.count, fullSteps: plan.map(ownSteps).max() ?? fullSteps,
                                     reduction: search.reduction, minimumSteps: search.minimumSteps)
        var survivors = plan
        var ran: [TrialRun] = []
        var last: [TrialRun] = []
        for (index, rung) in rungs.enumerated() {
            let rungRuns = try survivors.prefix(rung.trials).compactMap { try run($0, index, min(rung.steps, ownSteps($0))) }
            guard !rungRuns.isEmpty else { break }
            last = rungRuns
            ran += rungRuns
            survivors = Self.ranked(rungRuns).map(\.trial)
        }
        return (ran, last)
    }

    /// search.json and search.md into the output folder; their names.
    private func write(_ report: SearchReport) throws -> [String] {
        let json = JSONEncoder()
        json.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try json.encode(report), to: outputDirectory.appendingPathComponent("search.json").path)
        try AtomicFile.write(Data(report.markdown.utf8), to: outputDirectory.appendingPathComponent("search.md").path)
        return ["search.json", "search.md"]
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
