import Foundation
import Tensor

extension Trainer {
    /// Whether the chosen seed trains again on every record once the seeds are chosen: with a dev
    /// split carved from train or folds, whose records are lost to training otherwise, unless
    /// `refit = false`.
    var refits: Bool { settings.refit && [.carved, .crossValidated].contains(data.devSource) }

    /// Trains the chosen seed again on train and the carved dev records together (every record when
    /// cross-validating), with the bundle's settings, for as many passes over the records as the
    /// chosen run made up to its best dev evaluation (cross-validating, the folds' pooled step,
    /// `CrossValidation.bestStep`; `refitSteps`) but never more steps than that run made (dev measured
    /// none beyond), keeping the mean of its last steps' tables (`TrainingSettings.tailAverage`); its
    /// prompt is exported unless it carries a warning the chosen seed's run did not or fits its records
    /// clearly worse than that run scored on records it never trained on (`RefitCheck`).
    func refit(_ outcome: inout TrainingOutcome, chosen: SeedResult) throws {
        let all = TrainingData(train: data.train + data.dev, dev: [], test: data.test)
        let matched = outcome.crossValidation?.bestStep ?? Self.lastBestStep(chosen)
        var refitSpec = spec
        refitSpec.training.seeds = [chosen.seed]
        refitSpec.training.maxSteps = min(refitSteps(matching: matched, records: all.train.count), chosen.steps)
        onEvent(.refitting(seed: chosen.seed, records: all.train.count))
        let trainer = try innerTrainer(spec: refitSpec, data: all, directory: "refit", runIndex: runCount)
        let run = try trainer.run()
        let sample = Self.evenSample(all.train)
        func measured(_ table: FloatBuffer) -> Metrics {
            Metrics.of(evaluator.predict(sample, table: table, batchSize: settings.evalBatchSize), kind: spec.kind)
        }
        let check = (outcome.crossValidation?.best ?? chosen.dev).map {
            RefitCheck(records: sample.count, refit: measured(run.table), chosen: measured(outcome.table), heldOut: $0)
        }
        let exported = (run.seeds[0].warnings.isEmpty || !chosen.warnings.isEmpty) && check?.holds != false
        outcome.refit = RefitResult(result: run.seeds[0], records: all.train.count, matchedStep: matched, check: check,
                                    exported: exported)
        if exported { outcome.table = run.table }
    }

    /// The last dev evaluation of `chosen` at its best (`lastAtBest`). Its kept step when it has no dev
    /// curve.
    static func lastBestStep(_ chosen: SeedResult) -> Int {
        chosen.devCurve.lastAtBest?.step ?? chosen.bestStep
    }

    /// Steps on `records` records that make as many passes over them as `step` steps made over the
    /// training split: a run whose dev metric peaked early (a small set overfitting) stops as early
    /// again, one still improving at its end trains as long again.
    func refitSteps(matching step: Int, records: Int) -> Int {
        let passes = Double(step) / Double(settings.stepsPerEpoch(trainingExamples: data.recordsPerSeed))
        return max(1, Int((passes * Double(settings.stepsPerEpoch(trainingExamples: records))).rounded(.up)))
    }

    /// A run inside this one (a fold or the refit) with `spec` on `data`, checkpointed in `directory`
    /// under this run's checkpoints, stopping when this one is asked to: its baselines are not
    /// relayed, and its start is numbered as run `runIndex` of this run's runs and refit.
    func innerTrainer(spec: TaskSpec, data: TrainingData, directory: String, runIndex: Int) throws -> Trainer {
        let store = try checkpoints.map { try CheckpointStore(directory: $0.directory.appendingPathComponent(directory)) }
        let runs = runCount + (refits ? 1 : 0)
        let trainer = Trainer(model: model, encoder: try ExampleEncoder(spec: spec, tokenizer: encoder.tokenizer),
                              data: data, checkpoints: store) { [onEvent] event in
            switch event {
            case .measuredBaselines: break
            case let .started(seed, _, _, total, from):
                onEvent(.started(seed: seed, seedIndex: runIndex, seedCount: runs, totalSteps: total, fromStep: from))
            default: onEvent(event)
            }
        }
        trainer.stopRequested = stopRequested
        return trainer
    }
}
