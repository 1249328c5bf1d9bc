import Foundation
import LM
@testable import PTuning
import Tensor
import TestSupport
import Testing

/// Training records dealt into folds, one seed judged on each (`TrainingData.folds`, `CrossValidation`).
struct CrossValidationTests {
    /// The tiny task's 24 training records in 3 folds of 8; with `manualAgrees`, the manual template's
    /// dev answers are what it predicts itself, so it scores 1.0 on every fold.
    func run(seeds: [UInt64]? = [3, 4, 5], fallback: Bool = true, manualAgrees: Bool = false, checkpoints: URL? = nil,
             stopAfter: Int? = nil, events: ((TrainingEvent) -> Void)? = nil) throws -> TrainingOutcome {
        var spec = TinyTask.classifySpec(encoder: .none, steps: 6)
        if let seeds { spec.training.seeds = seeds } else { spec.training.automatic.insert(.seeds) }
        spec.training.manualFallback = fallback
        let model = try TinyTask.model()
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let manualEncoder = try ExampleEncoder(spec: spec.manualOnly, tokenizer: model.tokenizer)
        var records = TinyTask.examples(24, file: "train.jsonl")
        if manualAgrees {
            let predicted = Evaluator(model: model, encoder: manualEncoder)
                .predict(try manualEncoder.encode(records), table: FloatBuffer(count: 0), batchSize: 8)
            for (i, prediction) in predicted.enumerated() { records[i].fields["label"] = prediction.predicted }
        }
        let test = TinyTask.examples(6, file: "test.jsonl")
        let data = TrainingData(train: try encoder.encode(records), folds: DevSplit.folds(records, count: 3, label: { $0.fields["label"] }),
                                test: try encoder.encode(test),
                                manual: ManualTemplateData(encoder: manualEncoder, dev: try manualEncoder.encode(records),
                                                           test: try manualEncoder.encode(test)))
        return try TinyTask.train(model, encoder, data, checkpoints: checkpoints, stopAfter: stopAfter, events: events)
    }

    @Test func eachSeedIsJudgedOnItsOwnFoldAndTheRefitTrainsOnEveryRecord() throws {
        var started: [(index: Int, count: Int)] = []
        var pooledEvent: CrossValidation?
        let outcome = try run(fallback: false) { event in
            if case let .started(_, index, count, _, _) = event { started.append((index, count)) }
            if case let .crossValidated(pooled) = event { pooledEvent = pooled }
        }
        #expect(outcome.seeds.map(\.seed) == [3, 4, 5] && outcome.settings.seeds == [3, 4, 5])
        #expect(outcome.seeds.allSatisfy { $0.dev?.count == 8 && $0.test?.count == 6 && $0.steps == 6 })
        #expect(outcome.data == DataSummary(train: 24, dev: 24, test: 6, devSource: .crossValidated, folds: 3))
        let pooled = try #require(outcome.crossValidation)
        #expect(pooledEvent == pooled)
        #expect(pooled.foldSizes == [8, 8, 8] && pooled.curve.map(\.step) == [2, 4, 6])
        for point in pooled.curve {
            let mean = outcome.seeds.map { seed in seed.devCurve.first { $0.step == point.step }!.metrics.primary }.reduce(0, +) / 3
            #expect(abs(point.metrics.primary - mean) < 1e-12 && point.metrics.count == 24)
        }
        let top = try #require(pooled.curve.max { $0.metrics.score < $1.metrics.score }?.metrics)
        let chosen = try #require(pooled.curve.first { $0.step == pooled.bestStep })
        #expect(pooled.best == chosen.metrics && chosen.metrics.primary >= top.primary - top.standardError)
        let model = try TinyTask.model()
        let manualEncoder = try ExampleEncoder(spec: TinyTask.classifySpec().manualOnly, tokenizer: model.tokenizer)
        let manualOnAll = Metrics.of(Evaluator(model: model, encoder: manualEncoder).predict(
            try manualEncoder.encode(TinyTask.examples(24, file: "train.jsonl")), table: FloatBuffer(count: 0), batchSize: 8),
            kind: manualEncoder.spec.kind)
        #expect(outcome.baselines.manual.dev == pooled.manual && pooled.manual?.count == 24)
        #expect(abs((pooled.manual?.accuracy ?? -1) - (manualOnAll.accuracy ?? 1)) < 1e-12,
                "accuracy pooled over the folds is the accuracy on every record")
        #expect(outcome.baselines.manual.test?.count == 6 && outcome.baselines.majority.dev?.count == 24)
        let refit = try #require(outcome.refit)
        #expect(refit.records == 24 && refit.result.seed == outcome.bestSeed && refit.matchedStep == pooled.bestStep)
        // 4 batches of 4 per pass over a seed's 16 records, 6 over all 24: as many passes as the pooled
        // best step made, at most the chosen run's 6 steps.
        #expect(refit.result.steps == [2: 3, 4: 6, 6: 6][pooled.bestStep])
        #expect(started.map(\.index) == [0, 1, 2, 3] && started.allSatisfy { $0.count == 4 })
    }

    @Test func seedsLeftToPtuneStayNamedAsItsChoice() throws {
        let outcome = try run(seeds: nil, fallback: false)
        #expect(outcome.settings.automatic.contains(.seeds) && outcome.settings.seeds == TrainingDefaults.seedPool)
    }

    @Test func theManualTemplateIsExportedWhenTheFoldsTogetherDoNotBeatIt() throws {
        let outcome = try run(manualAgrees: true)
        #expect(outcome.baselines.manual.dev?.primary == 1 && outcome.crossValidation?.manual?.primary == 1)
        #expect(outcome.exported == .manualTemplate && outcome.table.count == 0 && outcome.refit == nil)
        let warning = try #require(outcome.warnings.first)
        #expect(warning.kind == .manualTemplateExported && warning.message.contains("3 folds"))
    }

    /// Without the fallback the refit is exported, and carries the folds' verdict: the manual template
    /// answers every record as its label says, so no prompt rises above it on the folds pooled.
    @Test func theRefitCarriesTheFoldsVerdictAgainstTheBaselines() throws {
        let outcome = try run(fallback: false, manualAgrees: true)
        #expect(outcome.exported == .refit)
        let warning = try #require(outcome.warnings.first { $0.kind == .notAboveBaseline })
        let pooled = try #require(outcome.crossValidation)
        #expect(warning.message.contains("over their 3 folds")
                && warning.message.contains((pooled.peakStep == nil ? "at step " : "the log-loss at step ") + "\(pooled.bestStep)"))
        #expect(outcome.refit?.result.warnings.contains { $0.kind == .notAboveBaseline } == false,
                "the refit's own run has no dev split")
    }

    @Test func aRunStoppedInASecondFoldResumesToTheSameEnd() throws {
        let straight = try run(fallback: false, checkpoints: TestEnvironment.temporaryDirectory())
        let directory = TestEnvironment.temporaryDirectory()
        #expect(throws: TrainingInterrupted.self) { try run(fallback: false, checkpoints: directory, stopAfter: 9) }
        let resumed = try run(fallback: false, checkpoints: directory)
        #expect(resumed.crossValidation == straight.crossValidation)
        #expect(resumed.seeds.map(\.devCurve) == straight.seeds.map(\.devCurve))
        #expect(resumed.table.array == straight.table.array)
    }

    @Test func poolingWeighsEachFoldByItsRecordsOverTheStepsEveryFoldHas() {
        func seed(_ points: [(Int, Double, Int)]) -> SeedResult {
            let curve = points.map { DevPoint(step: $0.0, metrics: Metrics(count: $0.2, accuracy: $0.1)) }
            return SeedResult(seed: 1, steps: points.last?.0 ?? 0, stoppedEarly: false, bestStep: points.first?.0 ?? 0,
                              dev: curve.first?.metrics, test: nil, lossCurve: [], devCurve: curve,
                              trainTokensPerSecond: 0, trainSeconds: 0, evalSeconds: 0)
        }
        let pooled = CrossValidation(seeds: [seed([(10, 0.5, 10), (20, 0.9, 10), (30, 0.6, 10)]),
                                             seed([(10, 1.0, 30), (20, 0.7, 30)])],
                                     foldSizes: [10, 30], manual: [Metrics(count: 10, accuracy: 1), Metrics(count: 30, accuracy: 0.5)])
        #expect(pooled.curve.map(\.step) == [10, 20], "step 30 is missing from the second fold (an early stop)")
        #expect(abs(pooled.curve[0].metrics.primary - 0.875) < 1e-12 && abs(pooled.curve[1].metrics.primary - 0.75) < 1e-12)
        #expect(pooled.bestStep == 10 && abs((pooled.manual?.primary ?? 0) - 0.625) < 1e-12)
        let tied = CrossValidation(seeds: [seed([(10, 0.5, 4), (20, 0.5, 4)])], foldSizes: [4], manual: [])
        #expect(tied.bestStep == 20 && tied.manual == nil, "ties go to the later step")
    }

    /// A curve like a fill task's on 50 pooled facts: one more right answer at an overtrained step,
    /// whose log-loss has risen since.
    @Test func withinOneStandardErrorOfTheBestTheLowestLogLossIsChosen() {
        func curve(_ points: [(Double, Double?)], count: Int = 50) -> [DevPoint] {
            points.enumerated().map { i, point in
                var metrics = Metrics(count: count, pAt1: point.0)
                metrics.values[.logLoss] = point.1
                return DevPoint(step: 40 * (i + 1), metrics: metrics)
            }
        }
        let overtrained = curve([(0.06, 4.49), (0.06, 5.10), (0.06, 5.74), (0.08, 6.53), (0.06, 6.60)])
        #expect(overtrained.lowestLogLossWithinNoise?.step == 40, "0.06 is within 0.038 of 0.08")
        let clear = curve([(0.06, 4.49), (0.30, 5.10), (0.32, 5.74)])
        #expect(clear.lowestLogLossWithinNoise?.step == 80, "0.06 is 3.9 standard errors under 0.32; 0.30 is within one")
        #expect(curve([(0.5, nil), (0.6, nil), (0.58, nil)]).lowestLogLossWithinNoise?.step == 80,
                "without a log-loss, the higher metric")
        #expect(curve([(0.6, nil), (0.58, 3.0)]).lowestLogLossWithinNoise?.step == 80, "a missing log-loss is the worst")
        #expect(curve([(0.6, .nan), (0.58, 3.0)]).lowestLogLossWithinNoise?.step == 80, "so is one that is not a number")
        #expect(curve([(0.5, 0.7), (0.5, 0.7)]).lowestLogLossWithinNoise?.step == 80, "an exact tie goes to the later")
        let perfect = curve([(1.0, 0.2), (0.98, 0.1)])
        #expect(perfect.lowestLogLossWithinNoise?.step == 40 && perfect.lastAtBest?.step == 40,
                "with no spread at the best, only the best")
        #expect([DevPoint]().lowestLogLossWithinNoise == nil)
    }

    @Test func everyFoldHasASeedOfItsOwn() {
        #expect(Trainer.foldSeeds([13, 21, 42], count: 3) == [13, 21, 42])
        #expect(Trainer.foldSeeds([13], count: 3) == [13, 14, 15], "a search trial of one seed")
        #expect(Trainer.foldSeeds([13, 21, 42], count: 2) == [13, 21])
        #expect(Trainer.foldSeeds([1, 2], count: 3) == [1, 2, 3], "the third fold's 1 + 1 is taken")
        let many = Trainer.foldSeeds([13, 21], count: 20)
        #expect(Set(many).count == 20 && Array(many.prefix(4)) == [13, 21, 14, 22])
    }
}
