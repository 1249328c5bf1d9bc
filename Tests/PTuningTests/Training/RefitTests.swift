import Foundation
import LM
@testable import PTuning
import Tensor
import TestSupport
import Testing

/// The chosen seed trained again on train and the carved dev records (`TrainingSettings.refit`).
struct RefitTests {
    func run(_ spec: TaskSpec, devSource: DevSource, checkpoints: URL? = nil, stopAfter: Int? = nil,
             events: ((TrainingEvent) -> Void)? = nil) throws -> TrainingOutcome {
        let model = try TinyTask.model()
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        var data = try TinyTask.data(encoder)
        data.devSource = devSource
        return try TinyTask.train(model, encoder, data, checkpoints: checkpoints, stopAfter: stopAfter, events: events)
    }

    var spec: TaskSpec {
        var spec = TinyTask.classifySpec(encoder: .none, steps: 6)
        spec.training.seeds = [3, 4]
        return spec
    }

    @Test func aCarvedDevSplitTrainsTheChosenSeedAgainOnEveryRecordAndExportsIt() throws {
        var started: [(index: Int, count: Int)] = []
        var refitting: (seed: UInt64, records: Int)?
        let outcome = try run(spec, devSource: .carved) { event in
            if case let .started(_, index, count, _, _) = event { started.append((index, count)) }
            if case let .refitting(seed, records) = event { refitting = (seed, records) }
        }
        let refit = try #require(outcome.refit)
        #expect(refit.records == 18 && refit.result.seed == outcome.bestSeed)
        #expect(refitting?.seed == outcome.bestSeed && refitting?.records == 18)
        #expect(refit.result.dev == nil && refit.result.test?.count == 6)
        let chosen = try #require(outcome.seeds.first { $0.seed == outcome.bestSeed })
        let matched = Trainer.lastBestStep(chosen)
        #expect(refit.matchedStep == matched && chosen.devCurve.map(\.step) == [2, 4, 6])
        // 3 batches of 4 per pass over 12 records, 5 over all 18: as many passes as `matched` steps made,
        // at most the chosen run's 6 steps.
        #expect(refit.result.steps == [2: 4, 4: 6, 6: 6][matched])
        // Its prompt is the mean of its last quarter's tables: 2 of 6 steps (1.5 rounded); of 4, the last one's alone.
        #expect(refit.result.averagedSteps == (refit.result.steps == 6 ? 2 : nil))
        #expect(started.map(\.index) == [0, 1, 2] && started.allSatisfy { $0.count == 3 })
        let check = try #require(refit.check)
        #expect(check.records == 18 && check.refit.count == 18 && check.chosen.count == 18, "every record, train and carved dev")
        #expect(refit.exported == ((refit.result.warnings.isEmpty
                                    || outcome.seeds.contains { $0.seed == outcome.bestSeed && !$0.warnings.isEmpty })
                                   && check.holds))
        let fromChosenRun = try run(spec.with(refit: false), devSource: .carved)
        #expect(fromChosenRun.refit == nil)
        #expect(refit.exported == (outcome.table.array != fromChosenRun.table.array))
    }

    @Test func theRefitMatchesTheLastDevEvaluationAtTheBestMetric() {
        func result(_ primaries: [Double], logLosses: [Double]? = nil, bestStep: Int) -> SeedResult {
            let curve = primaries.enumerated().map { i, value in
                var metrics = Metrics(count: 8, accuracy: value)
                metrics.values[.logLoss] = logLosses?[i]
                return DevPoint(step: 10 * (i + 1), metrics: metrics)
            }
            return SeedResult(seed: 1, steps: 10 * primaries.count, stoppedEarly: false, bestStep: bestStep, dev: nil,
                              test: nil, lossCurve: [], devCurve: curve, trainTokensPerSecond: 0, trainSeconds: 0,
                              evalSeconds: 0)
        }
        #expect(Trainer.lastBestStep(result([0.5, 0.75, 0.75, 0.5], bestStep: 20)) == 30)
        #expect(Trainer.lastBestStep(result([0.875, 0.5, 0.625], bestStep: 10)) == 10)
        #expect(Trainer.lastBestStep(result([0.5, 0.5, 0.5], bestStep: 10)) == 30)
        #expect(Trainer.lastBestStep(result([0.5, 0.75, 0.75, 0.75], logLosses: [0.2, 0.6, 0.4, 0.5], bestStep: 20)) == 30,
                "the log-loss breaks a tie in accuracy")
        #expect(Trainer.lastBestStep(result([0.5, 0.5], logLosses: [0.4, 0.4], bestStep: 10)) == 20)
        #expect(Trainer.lastBestStep(result([], bestStep: 7)) == 7)
    }

    @Test func aDevFileOrNoDevIsNeverTrainedOn() throws {
        #expect(try run(spec, devSource: .file).refit == nil)
        var single = spec
        single.training.seeds = [3]
        #expect(try run(single, devSource: .none).refit == nil)
    }

    @Test func aRunStoppedDuringTheRefitResumesToTheSameEnd() throws {
        let straight = try run(spec, devSource: .carved, checkpoints: TestEnvironment.temporaryDirectory())
        let directory = TestEnvironment.temporaryDirectory()
        #expect(throws: TrainingInterrupted.self) { try run(spec, devSource: .carved, checkpoints: directory, stopAfter: 14) }
        let resumed = try run(spec, devSource: .carved, checkpoints: directory)
        var a = try #require(resumed.refit), b = try #require(straight.refit)
        a.result = a.result.withoutTimings
        b.result = b.result.withoutTimings
        #expect(a == b)
        #expect(resumed.table.array == straight.table.array)
    }
}

private extension TaskSpec {
    func with(refit: Bool) -> TaskSpec {
        var spec = self
        spec.training.refit = refit
        return spec
    }
}
