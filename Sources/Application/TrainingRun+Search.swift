import Base
import Foundation
import LM
import PTuning
import Spool
import Tensor

/// A search's worker in the daemon has asked for these trials (`SearchFolder.request`): the daemon
/// runs them as child jobs and starts the search's job again once they have ended.
public struct TrialsRequested: Error, CustomStringConvertible {
    public let trials: [PlannedTrial]
    public var description: String { "asked for \(trials.count) trial\(trials.count == 1 ? "" : "s")" }
}

/// A search's trial did not start: the search's budget was spent.
public struct TrialNotRun: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

extension TrainingRun {
    /// How a run takes a bundle's `[search]`.
    public enum SearchRole: Sendable {
        /// Trains every trial itself, one after another (`ptune train`).
        case whole
        /// Plans only (the daemon's search job): asks for the trials not yet run (`TrialsRequested`),
        /// or, once every trial the search runs has ended, exports the winner.
        case plan
    }

    /// Runs the bundle's `[search]` (`SearchCoordinator`): trials run in folders of their own under
    /// trials/, named by their settings, each checkpointed there, so a stopped search resumes where
    /// it stopped and a changed one does not reuse another's trials. No trial starts once
    /// `budget_steps` or `budget_time` (counted from the search's first start) is spent. The winner
    /// (the best dev figure among the trials that neither collapsed nor diverged, the earlier on a
    /// tie; `halving`: among the last rung that ran) has its outputs copied out as the run's, with
    /// search.json and search.md.
    func runSearch(_ search: SearchSettings, bundle: TaskBundle) throws -> Result {
        let folder = SearchFolder(root: outputDirectory)
        let coordinator = SearchCoordinator(settings: search, fullSteps: Self.fullSteps(bundle))
        let began = try folder.began()
        var trainer: SearchTrainer? = nil
        func loaded() throws -> SearchTrainer {
            if let trainer { return trainer }
            let made = try searchTrainer(bundle: bundle, variants: search.space.template ?? [])
            trainer = made
            return made
        }
        var outcomes: [String: TrainingOutcome] = [:]
        while true {
            switch coordinator.next(ended: try folder.endedTrials(failedWithoutResult: searchRole == .plan)) {
            case .finish(let outcome):
                return try finish(outcome, of: coordinator, folder: folder, bundle: bundle, outcomes: outcomes)
            case .run(let trials) where searchRole == .plan:
                try folder.request(trials)
                throw TrialsRequested(trials: trials)
            case .run(let trials):
                for planned in trials {
                    try folder.prepare(planned)
                    let (ended, outcome) = try runTrial(planned, coordinator: coordinator, folder: folder, began: began,
                                                        trainer: loaded)
                    outcomes[planned.key] = outcome
                    try folder.record(ended)
                }
            }
        }
    }

    /// The trial whose folder is `outputDirectory` (…/trials/KEY, with its `trial-plan.json`), run for
    /// the daemon as a job of its own; `TrialNotRun` when the search's budget was already spent.
    public func runSearchTrial() throws -> Result {
        let folder = SearchFolder.of(trialFolder: outputDirectory)
        let planned = try folder.plannedTrial(in: outputDirectory)
        let bundle = try BundleLoader.load(directory: bundleDirectory)
        guard let search = bundle.manifest.search else {
            throw ActionableError("\(outputDirectory.path) is a search's trial, but the bundle has no [search]")
        }
        Threads.set(threads ?? bundle.manifest.limits.threads)
        let coordinator = SearchCoordinator(settings: search, fullSteps: Self.fullSteps(bundle))
        let began = try folder.began()
        let (ended, outcome) = try runTrial(planned, coordinator: coordinator, folder: folder, began: began,
                                            trainer: { try searchTrainer(bundle: bundle, variants: []) })
        try folder.record(ended)
        guard ended.outcome == .ran else { throw TrialNotRun(reason: ended.reason ?? "the search's budget was spent") }
        return Result(outcome: outcome, bundle: bundle, files: ended.files)
    }

    /// The model and encoded records trials share (loaded when the first trial trains): each
    /// template's records encoded once, those of `variants` (besides the bundle's own) before the first
    /// trial trains.
    final class SearchTrainer {
        let bundle: TaskBundle
        let model: LanguageModel
        let spec: TaskSpec
        var records: [String: TrainingData] = [:]

        init(bundle: TaskBundle, model: LanguageModel, spec: TaskSpec) {
            self.bundle = bundle
            self.model = model
            self.spec = spec
        }
    }

    private func searchTrainer(bundle: TaskBundle, variants: [Template]) throws -> SearchTrainer {
        let (model, spec) = try loadModel(for: bundle)
        let trainer = SearchTrainer(bundle: bundle, model: model, spec: spec)
        for template in [spec.template] + variants { _ = try records(for: template, trainer: trainer) }
        return trainer
    }

    private func records(for template: Template, trainer: SearchTrainer) throws -> TrainingData {
        if let data = trainer.records[template.source] { return data }
        var variant = trainer.spec
        variant.template = template
        // Every trial is cross-validated or not as the bundle's own settings would be, so all are judged alike.
        let data = try encoded(variant, bundle: trainer.bundle, model: trainer.model, foldsBy: trainer.spec).1
        trainer.records[template.source] = data
        return data
    }

    /// One trial trained in its folder, its outputs written there: how it ended (not run when the
    /// budget is spent before it began), and its outcome when it ran. A trial that has recorded its
    /// end (a job run again after the daemon died before recording it) is not run again.
    private func runTrial(_ planned: PlannedTrial, coordinator: SearchCoordinator, folder: SearchFolder, began: Date,
                          trainer load: () throws -> SearchTrainer) throws -> (EndedTrial, TrainingOutcome?) {
        let directory = folder.trial(planned.key)
        if let recorded = try folder.recordedEnd(in: directory) { return (recorded, nil) }
        let checkpoints = directory.appendingPathComponent("checkpoints")
        let begun = !((try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []).isEmpty
        let others = try folder.endedTrials(failedWithoutResult: false).values.filter { $0.trial.key != planned.key }
        if !begun, let refusal = coordinator.refusal(ended: others, elapsed: Date().timeIntervalSince(began)) {
            log("trial \(planned.index + 1) not run: \(refusal)")
            return (EndedTrial(trial: planned, outcome: .notRun, reason: refusal), nil)
        }
        log("trial \(planned.index + 1) of \(coordinator.plan.count)" + (planned.rung.map { ", rung \($0 + 1)" } ?? "")
            + ": " + planned.settings)
        let trainer = try load()
        let applied = coordinator.applied(planned)
        let spec = applied.applied(to: trainer.spec)
        let encoder = try ExampleEncoder(spec: spec, tokenizer: trainer.model.tokenizer)
        let startedAt = Date()
        let data = try records(for: spec.template, trainer: trainer)
        let outcome = try train(encoder, data: applied.rankedOnly ? data.withoutTest : data, model: trainer.model,
                                checkpoints: checkpoints)
        let files = try writing(to: directory).writeOutputs(outcome: outcome, bundle: trainer.bundle, model: trainer.model,
                                                            encoder: encoder, startedAt: startedAt)
        return (EndedTrial(ran: planned, applied: applied, outcome: outcome, folder: "trials/\(planned.key)", files: files), outcome)
    }

    /// The winner's outputs copied out of its folder (its report.md followed by the search's table),
    /// and search.json, search.md and search.svg beside them.
    private func finish(_ outcome: SearchCoordinator.SearchOutcome, of coordinator: SearchCoordinator, folder: SearchFolder,
                        bundle: TaskBundle, outcomes: [String: TrainingOutcome]) throws -> Result {
        guard let winner = outcome.winner else {
            throw ActionableError("the search ran no trial", hint: "raise budget_steps or budget_time")
        }
        let winnerFolder = folder.trial(winner.trial.key)
        for name in winner.files where name != RunOutputs.reportMarkdown {
            let target = outputDirectory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(try Data(contentsOf: winnerFolder.appendingPathComponent(name)), to: target.path)
        }
        let report = outcome.report
        let metric = "dev " + bundle.manifest.spec.kind.primaryMetric.label
        let trialsTable = "#" + report.markdown + "\n![\(metric) of every trial](\(Self.searchChart))\n"
        let winnerReport = (try? String(contentsOf: winnerFolder.appendingPathComponent(RunOutputs.reportMarkdown), encoding: .utf8)) ?? ""
        try AtomicFile.write(Data((winnerReport + "\n" + trialsTable).utf8),
                             to: outputDirectory.appendingPathComponent(RunOutputs.reportMarkdown).path)
        try SearchFolder.writeJSON(report, to: outputDirectory.appendingPathComponent("search.json"))
        try AtomicFile.write(Data(report.markdown.utf8), to: outputDirectory.appendingPathComponent("search.md").path)
        let chart = SearchChart.svg(report, title: "\(bundle.manifest.name): \(metric) of every trial", metricName: metric)
        try AtomicFile.write(Data(chart.utf8), to: outputDirectory.appendingPathComponent(Self.searchChart).path)
        log("search: trial \(winner.trial.index + 1) of \(coordinator.plan.count) wins (\(winner.trial.settings))")
        let files = winner.files + ["search.json", "search.md", Self.searchChart]
        return Result(outcome: outcomes[winner.trial.key], bundle: bundle, files: files, search: report)
    }

    /// The chart of every trial's dev metric against its steps.
    static let searchChart = "search.svg"

    /// The steps a trial that sets none trains: the bundle's, resolved as the trainer would.
    static func fullSteps(_ bundle: TaskBundle) -> Int {
        let spec = bundle.manifest.spec
        return spec.training.resolved(encoder: spec.encoder.kind, trainingExamples: bundle.train.count, hasDev: true)
            .totalSteps(trainingExamples: bundle.train.count)
    }
}
