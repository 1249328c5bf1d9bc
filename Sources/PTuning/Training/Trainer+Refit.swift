import Foundation

extension Trainer {
    /// Whether the chosen seed trains again on every record once the seeds are chosen: with a dev
    /// split carved from train, whose records are lost to training otherwise, unless `refit = false`.
    var refits: Bool { settings.refit && data.devSource == .carved }

    /// Trains the chosen seed again on train and the carved dev records together, with the bundle's
    /// settings for that many records (ptune's steps for the larger set), keeping the last step; its
    /// prompt is exported unless it carries a warning the chosen seed's run did not.
    func refit(_ outcome: inout TrainingOutcome, chosen: SeedResult) throws {
        var refitSpec = spec
        refitSpec.training.seeds = [chosen.seed]
        let all = TrainingData(train: data.train + data.dev, dev: [], test: data.test)
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
        outcome.refit = RefitResult(result: run.seeds[0], records: all.train.count, exported: exported)
        if exported { outcome.table = run.table }
    }
}
