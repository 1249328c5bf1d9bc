import Base
import Foundation
import LM
import Tensor

/// P-tuning: trains the prompt encoder of a task with the model frozen, one run per seed.
///
/// Each step: encoder -> prompt table [m, H] -> model forward with saved activations -> task loss ->
/// backward to the inputs -> sum the gradient rows of each pseudo token -> encoder backward ->
/// clip -> Adam step. Data order in epoch e is a shuffle seeded by (seed, e), so a run resumed from a
/// checkpoint at step s replays exactly the batches an uninterrupted run would.
public final class Trainer {
    public let model: LanguageModel
    public let encoder: ExampleEncoder
    public let data: TrainingData
    public let checkpoints: CheckpointStore?
    let onEvent: (TrainingEvent) -> Void
    /// Polled after every step; when it returns true the run writes a checkpoint and throws
    /// `TrainingInterrupted` (how a worker stops on SIGTERM and resumes later).
    public var stopRequested: () -> Bool = { false }

    var spec: TaskSpec { encoder.spec }
    var evaluator: Evaluator { Evaluator(model: model, encoder: encoder) }
    /// The bundle's settings with ptune's defaults chosen for this data (`TrainingDefaults`).
    public let settings: TrainingSettings

    /// `checkpoints`: where to write checkpoints and finished seeds; an existing checkpoint there is
    /// resumed.
    public init(model: LanguageModel, encoder: ExampleEncoder, data: TrainingData, checkpoints: CheckpointStore?,
                onEvent: @escaping (TrainingEvent) -> Void = { _ in }) {
        self.model = model
        self.encoder = encoder
        self.data = data
        self.checkpoints = checkpoints
        self.onEvent = onEvent
        settings = encoder.spec.training.resolved(encoder: encoder.spec.encoder.kind, trainingExamples: data.recordsPerSeed,
                                                  hasDev: data.hasDev)
    }

    /// Steps one seed runs: `max_steps`, or epochs x batches per epoch.
    public var totalSteps: Int {
        settings.totalSteps(trainingExamples: data.recordsPerSeed)
    }

    private var stepsPerEpoch: Int { settings.stepsPerEpoch(trainingExamples: data.train.count) }

    /// The runs before any refit: one per seed, or one per fold when cross-validating.
    var runCount: Int { data.folds.isEmpty ? settings.seeds.count : data.folds.count }

    /// Trains every seed (or fold), chooses one, and exports its prompt, its refit's or the manual
    /// template.
    public func run() throws -> TrainingOutcome {
        var (outcome, chosen) = data.folds.isEmpty ? try runSeeds() : try runFolds()
        let diagnosis = diagnosis(baselines: outcome.baselines)
        if settings.manualFallback,
           let fallback = diagnosis.manualFallback(chosen: chosen, crossValidation: outcome.crossValidation) {
            outcome.table = FloatBuffer(count: 0)
            outcome.manualFallback = fallback
        } else {
            outcome.heldOutWarning = diagnosis.heldOutWarning(chosen: chosen, crossValidation: outcome.crossValidation)
            if refits { try refit(&outcome, chosen: chosen) }
        }
        return outcome
    }

    func diagnosis(baselines: Baselines) -> SeedDiagnosis {
        SeedDiagnosis(kind: spec.kind, vocabularySize: model.transformer.config.vocabSize,
                      answerTokens: encoder.answerTokens, baselines: baselines)
    }

    /// Every seed on the training split, judged on the dev split: the outcome with the best seed's
    /// prompt, and that seed's result.
    private func runSeeds() throws -> (TrainingOutcome, SeedResult) {
        let baselines = Baselines.measure(data: data, evaluator: evaluator,
                                          batchSize: settings.evalBatchSize)
        onEvent(.measuredBaselines(baselines))
        let diagnosis = diagnosis(baselines: baselines)
        var results: [SeedResult] = []
        var tables: [FloatBuffer] = []
        for (index, seed) in settings.seeds.enumerated() {
            if let done = try checkpoints?.finishedSeed(seed) {
                results.append(done.result)
                tables.append(done.table)
                onEvent(.finishedSeed(done.result))
                continue
            }
            let (result, table) = try runSeed(seed, index: index, diagnosis: diagnosis)
            try checkpoints?.saveFinishedSeed(result, table: table)
            results.append(result)
            tables.append(table)
            onEvent(.finishedSeed(result))
        }
        let best = Self.bestSeedIndex(results)
        return (TrainingOutcome(seeds: results, table: tables[best], bestSeed: results[best].seed,
                                baselines: baselines, settings: settings, data: data.summary), results[best])
    }

    /// The seed to export: the best on dev (`DevScore`: the primary metric, then the log-loss) among the
    /// seeds without warnings, or among all when each has some; the earlier seed on a tie.
    static func bestSeedIndex(_ results: [SeedResult]) -> Int {
        let sound = results.indices.filter { results[$0].warnings.isEmpty }
        let pool = sound.isEmpty ? Array(results.indices) : sound
        func score(_ index: Int) -> DevScore { results[index].dev?.score ?? DevScore(primary: 0, logLoss: nil) }
        return pool.max { score($0) < score($1) || (score($0) == score($1) && $0 > $1) } ?? 0
    }

    /// Without a dev split, the collapse check reads the kept prompt's predictions on this many
    /// training records, spread evenly over the split; the refit's check reads as many.
    static let sampleSize = 200

    /// Up to `sampleSize` of `records`, spread evenly over all of them (the last ones too).
    static func evenSample<Record>(_ records: [Record]) -> [Record] {
        let count = min(records.count, sampleSize)
        return (0..<count).map { records[$0 * records.count / count] }
    }

    /// The epoch-e order of the training examples for `seed`.
    func order(seed: UInt64, epoch: Int) -> [Int] {
        var rng = SeededGenerator(seed: seed ^ (0xD1B5_4A32_D192_ED03 &* UInt64(epoch + 1)))
        var indices = Array(data.train.indices)
        indices.shuffle(using: &rng)
        return indices
    }

    /// The prompt encoder for `seed`. A `none` table starts from real token embeddings, at the scale
    /// the model expects: the ids of `init_ids` or the tokens of `init` (repeated to fill m rows) or,
    /// without either, m tokens drawn with the seed from ids 1000..<5000 (the frequent, ordinary words
    /// of a BPE vocabulary), as the reference implementation does.
    private func makeEncoder(seed: UInt64) -> PromptEncoder {
        let m = spec.template.pseudoTokenCount
        let H = model.transformer.config.hiddenSize
        var initial: FloatBuffer?
        if spec.encoder.kind == .none {
            var ids = spec.encoder.initTokenIDs
                ?? spec.encoder.initText.map { model.tokenizer.encode($0, parseSpecial: false) } ?? []
            if ids.isEmpty {
                let V = model.transformer.config.vocabSize
                let low = min(1000, V / 4), high = min(5000, V)
                var rng = SeededGenerator(seed: seed ^ 0x5EED_1A7E_0F7A_B1E5)
                ids = (0..<m).map { _ in low + Int(rng.next() % UInt64(high - low)) }
            }
            let rows = FloatBuffer(count: m * H)
            for r in 0..<m {
                model.transformer.tokenEmbedding(ids[r % ids.count], into: rows.pointer + r * H)
            }
            initial = rows
        }
        return makePromptEncoder(settings: spec.encoder, count: m, width: H, seed: seed, initialRows: initial)
    }

    /// Where a seed's run stands in this process: the checkpointed state, the kept table, the mean of
    /// the tail's tables so far and, when this process made them (not after a resume), the kept
    /// table's dev predictions.
    struct SeedProgress {
        var state: RunState
        var bestTable: FloatBuffer?
        var tailMean: FloatBuffer?
        var bestDevPredictions: [Prediction]?
    }

    private func runSeed(_ seed: UInt64, index: Int, diagnosis: SeedDiagnosis) throws -> (SeedResult, FloatBuffer) {
        let promptEncoder = makeEncoder(seed: seed)
        let optimizer = AdamOptimizer(kind: settings.optimizer, parameterCount: promptEncoder.parameters.count,
                                      weightDecay: settings.weightDecay)
        let step = PromptStep(transformer: model.transformer, promptEncoder: promptEncoder, optimizer: optimizer,
                              clipNorm: settings.clipNorm)
        let schedule = LearningRateSchedule(settings: settings)
        let objective = Objective(encoder: encoder, vocabularySize: model.transformer.config.vocabSize)
        let total = totalSteps
        var run = try resume(seed: seed, promptEncoder: promptEncoder, optimizer: optimizer)
        onEvent(.started(seed: seed, seedIndex: index, seedCount: runCount + (refits ? 1 : 0), totalSteps: total,
                         fromStep: run.state.step))
        var epochOrder = order(seed: seed, epoch: run.state.step / stepsPerEpoch)
        let tailStart = total - averagedStepCount
        while run.state.step < total && !run.state.stopped {
            let epoch = run.state.step / stepsPerEpoch
            let inEpoch = run.state.step % stepsPerEpoch
            if inEpoch == 0 { epochOrder = order(seed: seed, epoch: epoch) }
            let indices = epochOrder[(inEpoch * settings.batchSize)..<min(epochOrder.count, (inEpoch + 1) * settings.batchSize)]
            let batch = indices.map { data.train[$0] }

            let rate = schedule.rate(step: run.state.step, epoch: epoch, totalSteps: total)
            var seconds = 0.0
            let outcome = timed(&seconds) {
                step.run(learningRate: rate) { table in
                    let plan = objective.plan(batch, table: table)
                    return PromptStep.Inputs(batch: plan.batch, positions: plan.positions) { logits in
                        objective.loss(batch, plan: plan, logits: logits)
                    }
                }
            }

            run.state.step += 1
            if run.state.step > tailStart { averageTail(&run, promptEncoder: promptEncoder) }
            run.state.trainSeconds += seconds
            run.state.trainTokens += outcome.tokenCount
            run.state.lossCurve.append(LossPoint(step: run.state.step, epoch: epoch, loss: outcome.loss, learningRate: Double(rate)))
            onEvent(.step(seed: seed, step: run.state.step, totalSteps: total, epoch: epoch, loss: outcome.loss,
                          learningRate: Double(rate), tokensPerSecond: Double(outcome.tokenCount) / seconds))

            let endOfEpoch = run.state.step % stepsPerEpoch == 0 || run.state.step == total
            let evalDue = settings.evalEvery > 0 ? run.state.step % settings.evalEvery == 0 || run.state.step == total : endOfEpoch
            if evalDue && !data.dev.isEmpty { evaluate(&run, promptEncoder: promptEncoder) }
            let checkpointDue = settings.checkpointEvery > 0 ? run.state.step % settings.checkpointEvery == 0 : (evalDue || endOfEpoch)
            try checkpointOrStop(run, due: checkpointDue, total: total, promptEncoder: promptEncoder, optimizer: optimizer)
        }
        return finish(run, promptEncoder: promptEncoder, diagnosis: diagnosis)
    }

    /// A fresh start for `seed`, or where its checkpoint left it (parameters and optimizer restored).
    private func resume(seed: UInt64, promptEncoder: PromptEncoder, optimizer: AdamOptimizer) throws -> SeedProgress {
        var run = SeedProgress(state: RunState(seed: seed))
        guard let saved = try checkpoints?.load(seed: seed) else { return run }
        guard saved.parameters.count == promptEncoder.parameters.count else {
            throw CheckpointError.malformed(path: "seed \(seed)", detail: "it holds \(saved.parameters.count) encoder "
                + "parameters, this run's encoder has \(promptEncoder.parameters.count) (another encoder or template)")
        }
        run.state = saved.state
        promptEncoder.parameters.pointer.update(from: saved.parameters.pointer, count: saved.parameters.count)
        optimizer.restore(saved.optimizer)
        run.bestTable = saved.bestTable
        run.tailMean = saved.tailMean
        return run
    }

    /// Evaluates the current table on dev; keeps it when it is the best so far (`DevScore`: the primary
    /// metric, then the log-loss), counts patience otherwise.
    private func evaluate(_ run: inout SeedProgress, promptEncoder: PromptEncoder) {
        let (current, predictions, metrics) = timed(&run.state.evalSeconds) {
            let current = promptEncoder.forward()
            let predictions = evaluator.predict(data.dev, table: current, batchSize: settings.evalBatchSize)
            return (current, predictions, Metrics.of(predictions, kind: spec.kind))
        }
        let best = run.state.bestMetric.map { DevScore(primary: $0, logLoss: run.state.bestLogLoss) }
        let improved = best.map { metrics.score > $0 } ?? true
        run.state.devCurve.append(DevPoint(step: run.state.step, metrics: metrics))
        if improved {
            run.state.bestMetric = metrics.primary
            run.state.bestLogLoss = metrics.score.logLoss
            run.state.bestStep = run.state.step
            run.state.evaluationsWithoutGain = 0
            run.bestTable = current
            run.bestDevPredictions = predictions
        } else {
            run.state.evaluationsWithoutGain += 1
            if settings.patience > 0 && run.state.evaluationsWithoutGain >= settings.patience { run.state.stopped = true }
        }
        onEvent(.evaluated(seed: run.state.seed, step: run.state.step, metrics: metrics, improved: improved))
    }

    /// Writes a checkpoint when one is due or a stop was requested, then throws `TrainingInterrupted`
    /// on a stop request (unless the run is over anyway).
    private func checkpointOrStop(_ run: SeedProgress, due: Bool, total: Int, promptEncoder: PromptEncoder,
                                  optimizer: AdamOptimizer) throws {
        let interrupt = stopRequested()
        let unfinished = run.state.step < total && !run.state.stopped
        if let checkpoints, (due || interrupt) && unfinished {
            try checkpoints.save(Checkpoint(state: run.state, parameters: promptEncoder.parameters,
                                            optimizer: optimizer.state, bestTable: run.bestTable, tailMean: run.tailMean))
            onEvent(.checkpointed(seed: run.state.seed, step: run.state.step))
        }
        if interrupt && unfinished {
            throw TrainingInterrupted(seed: run.state.seed, step: run.state.step)
        }
    }

    /// The seed's result: the kept table (the best on dev; without a dev split the mean of the tail's
    /// tables, or the last) measured on dev and test, and its warnings.
    private func finish(_ run: SeedProgress, promptEncoder: PromptEncoder,
                        diagnosis: SeedDiagnosis) -> (SeedResult, FloatBuffer) {
        var state = run.state
        let kept = run.bestTable ?? run.tailMean ?? promptEncoder.forward()
        if run.bestTable == nil { state.bestStep = state.step }
        let averaged = run.bestTable == nil ? state.tailTablesAveraged.flatMap { $0 > 1 ? $0 : nil } : nil
        let onDev = !data.dev.isEmpty
        let (checked, dev, test) = timed(&state.evalSeconds) {
            let checked = run.bestDevPredictions
                ?? evaluator.predict(onDev ? data.dev : Self.evenSample(data.train), table: kept, batchSize: settings.evalBatchSize)
            let test = data.test.isEmpty ? nil
                : Metrics.of(evaluator.predict(data.test, table: kept, batchSize: settings.evalBatchSize), kind: spec.kind)
            return (checked, onDev ? Metrics.of(checked, kind: spec.kind) : nil, test)
        }
        let warnings = diagnosis.warnings(lossCurve: state.lossCurve, predictions: checked, onDev: onDev, dev: dev)
        let result = SeedResult(seed: state.seed, steps: state.step, stoppedEarly: state.stopped, bestStep: state.bestStep,
                                dev: dev, test: test, lossCurve: state.lossCurve, devCurve: state.devCurve,
                                trainTokensPerSecond: Double(state.trainTokens) / max(state.trainSeconds, 1e-9),
                                trainSeconds: state.trainSeconds, evalSeconds: state.evalSeconds, warnings: warnings,
                                averagedSteps: averaged)
        return (result, kept)
    }
}

/// Thrown when `stopRequested` ended a run early; its checkpoint is written (when the trainer has a store).
public struct TrainingInterrupted: Error, CustomStringConvertible {
    public let seed: UInt64
    public let step: Int
    public var description: String { "training stopped at step \(step) of seed \(seed); resume continues from there" }
}
