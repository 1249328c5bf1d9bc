import Foundation

extension Trainer {
    /// Whether the chosen seed trains again on every record once the seeds are chosen: with a dev
    /// split carved from train, whose records are lost to training otherwise, unless `refit = false`.
    var refits: Bool { settings.refit && data.devSource == .carved }

    /// Trains the chosen seed again on train and the carved dev records together, with the bundle's
    /// settings, for as many passes over the records as the chosen run made up to its best dev
    /// evaluation (`refitSteps`) but never more steps than that run made (dev measured none beyond),
    /// keeping the last step; its prompt is exported unless it carries a warning the chosen seed's
    /// run did not.
    func refit(_ outcome: inout TrainingOutcome, chosen: SeedResult) throws {
        let all = TrainingData(train: data.train + data.dev, dev: [], test: data.test)
        let matched = Self.lastBestStep(chosen)
        var refitSpec = spec
        refitSpec.training.seeds = [chosen.seed]
        refitSpec.training.maxSteps = min(refitSteps(matching: matched, records: all.train.count), chosen.steps)
        onEvent(.refitting(seed: chosen.seed, records: all.train.count))
        let store = try checkpoints.map { try CheckpointStore(directory: $0.directory.appendingPathComponent("refit")) }
        let runs = settings.seeds.count
        let trainer = Trainer(model: model, encoder: try ExampleEncoder(spec: refitSpec, tokenizer: encoder.tokenizer),
                              data: all, checkpoints: store) { [onEvent] event in
            switch event {
            case .measuredBaselines: break
            case let .started(seed, _, _, total, from):
                onEvent(.started(seed: seed, seedIndex: runs, seedCount: runs + 1, totalSteps: total, fromStep: from))
            default: onEvent(event)
            }
        }
        trainer.stopRequested = stopRequested
        let run = try trainer.run()
        let exported = run.seeds[0].warnings.isEmpty || !chosen.warnings.isEmpty
        outcome.refit = RefitResult(result: run.seeds[0], records: all.train.count, matchedStep: matched, exported: exported)
        if exported { outcome.table = run.table }
    }

    /// The last dev evaluation of `chosen` at its best primary metric: on a tie the later one, since
    /// training on did not cost anything on dev. Its kept step when it has no dev curve.
    static func lastBestStep(_ chosen: SeedResult) -> Int {
        guard let best = chosen.devCurve.map(\.metrics.primary).max() else { return chosen.bestStep }
        return chosen.devCurve.last { $0.metrics.primary == best }?.step ?? chosen.bestStep
    }

    /// Steps on `records` records that make as many passes over them as `step` steps made over the
    /// training split: a run whose dev metric peaked early (a small set overfitting) stops as early
    /// again, one still improving at its end trains as long again.
    func refitSteps(matching step: Int, records: Int) -> Int {
        let passes = Double(step) / Double(settings.stepsPerEpoch(trainingExamples: data.train.count))
        return max(1, Int((passes * Double(settings.stepsPerEpoch(trainingExamples: records))).rounded(.up)))
    }
}
