@testable import PTuning
import Testing

/// Collapse and divergence detection on constructed runs.
struct RunWarningTests {
    let labels = [LabelWord(label: "1", word: "great"), LabelWord(label: "0", word: "bad")]

    func diagnosis(baselineDev: Double? = nil, manualDev: Double? = nil, manualLogLoss: Double? = nil) -> SeedDiagnosis {
        let baselines = Baselines(majority: .init(description: "1", dev: baselineDev.map { Metrics(count: 10, accuracy: $0) },
                                                  test: nil),
                                  manual: .init(description: "{x} {target}", dev: manualDev.map { metrics($0, logLoss: manualLogLoss) },
                                                test: nil))
        return SeedDiagnosis(kind: ClassifyKind(labels: labels), vocabularySize: 100, answerTokens: nil, baselines: baselines)
    }

    func predictions(_ pairs: [(predicted: String, gold: String)]) -> [Prediction] {
        pairs.enumerated().map { i, pair in
            Prediction(source: "dev.jsonl:\(i + 1)", predicted: pair.predicted, gold: pair.gold, top: [], goldInTop10: nil)
        }
    }

    func losses(_ values: [Double]) -> [LossPoint] {
        values.enumerated().map { LossPoint(step: $0 + 1, epoch: 0, loss: $1, learningRate: 1e-3) }
    }

    let falling = (0..<50).map { 0.69 - Double($0) * 0.01 }
    let mixed = [("1", "1"), ("0", "0"), ("1", "0"), ("0", "0")]

    @Test func aSoundRunHasNoWarning() {
        let warnings = diagnosis(baselineDev: 0.5).warnings(lossCurve: losses(falling), predictions: predictions(mixed),
                                                            onDev: true, dev: Metrics(count: 4, accuracy: 0.75))
        #expect(warnings.isEmpty)
    }

    @Test func oneLabelForEveryRecordIsACollapse() {
        let same = predictions([("1", "1"), ("1", "0"), ("1", "0"), ("1", "1")])
        let warnings = diagnosis().warnings(lossCurve: losses(falling), predictions: same, onDev: true,
                                            dev: Metrics(count: 4, accuracy: 0.5))
        #expect(warnings.map(\.kind) == [.oneAnswer])
        #expect(warnings[0].message.contains("\"1\""))
    }

    @Test func oneLabelIsNoCollapseWhenEveryGoldIsThatLabel() {
        let same = predictions([("1", "1"), ("1", "1")])
        #expect(diagnosis().warnings(lossCurve: losses(falling), predictions: same, onDev: true, dev: nil).isEmpty)
    }

    @Test func aLossThatRisesAboveTheUniformGuessIsDivergence() {
        // ln 2 = 0.693 for two labels: the last tenth of this curve averages 1.5.
        let rising = (0..<50).map { $0 < 40 ? 0.6 : 1.5 }
        let warnings = diagnosis().warnings(lossCurve: losses(rising), predictions: predictions(mixed), onDev: true,
                                            dev: Metrics(count: 4, accuracy: 0.75))
        #expect(warnings.map(\.kind) == [.lossAboveUniform])
        #expect(abs(diagnosis().uniformLoss - 0.6931) < 1e-4)
    }

    @Test func aDevMetricNotAboveTheBaselineIsFlagged() {
        let warnings = diagnosis(baselineDev: 0.75).warnings(lossCurve: losses(falling), predictions: predictions(mixed),
                                                             onDev: true, dev: Metrics(count: 4, accuracy: 0.75))
        #expect(warnings.map(\.kind) == [.notAboveBaseline])
    }

    @Test func theUniformLossOfEachKind() {
        let fill = SeedDiagnosis(kind: FillKind(candidates: nil), vocabularySize: 100, answerTokens: Array(0..<26), baselines: nil)
        #expect(abs(fill.uniformLoss - 3.2581) < 1e-4)
        let vocabulary = SeedDiagnosis(kind: FillKind(candidates: nil), vocabularySize: 100, answerTokens: nil, baselines: nil)
        #expect(abs(vocabulary.uniformLoss - 4.6052) < 1e-4)
        let choice = SeedDiagnosis(kind: ChoiceKind(fields: ["a", "b", "c"], margin: 1), vocabularySize: 100,
                                   answerTokens: nil, baselines: nil)
        #expect(choice.uniformLoss == 2)
    }

    func result(_ seed: UInt64, dev: Double, logLoss: Double? = nil, warnings: [RunWarning.Kind] = []) -> SeedResult {
        SeedResult(seed: seed, steps: 1, stoppedEarly: false, bestStep: 1, dev: metrics(dev, logLoss: logLoss), test: nil,
                   lossCurve: [], devCurve: [], trainTokensPerSecond: 0, trainSeconds: 0, evalSeconds: 0,
                   warnings: warnings.map { RunWarning(kind: $0, message: "") })
    }

    func metrics(_ accuracy: Double, logLoss: Double? = nil) -> Metrics {
        var metrics = Metrics(count: 10, accuracy: accuracy)
        metrics.values[.logLoss] = logLoss
        return metrics
    }

    @Test func aFlaggedSeedIsNeverKeptWhileASoundOneExists() {
        let results = [result(1, dev: 0.6), result(2, dev: 0.9, warnings: [.oneAnswer]), result(3, dev: 0.7)]
        #expect(Trainer.bestSeedIndex(results) == 2)
        let allFlagged = [result(1, dev: 0.6, warnings: [.notAboveBaseline]), result(2, dev: 0.9, warnings: [.oneAnswer])]
        #expect(Trainer.bestSeedIndex(allFlagged) == 1)
        #expect(Trainer.bestSeedIndex([result(1, dev: 0.8), result(2, dev: 0.8)]) == 0, "ties go to the earlier seed")
        #expect(Trainer.bestSeedIndex([result(1, dev: 0.8, logLoss: 0.5), result(2, dev: 0.8, logLoss: 0.3),
                                       result(3, dev: 0.7, logLoss: 0.1)]) == 1, "the log-loss breaks a tie in accuracy")
    }

    @Test func theManualTemplateIsExportedWhenNoPromptBeatsItOnDev() throws {
        let fallback = try #require(diagnosis(manualDev: 0.7).manualFallback(chosen: result(21, dev: 0.7), crossValidation: nil))
        #expect(fallback.kind == .manualTemplateExported)
        #expect(fallback.message.contains("seed 21") && fallback.message.contains("0.7000")
                && fallback.message.contains("\"{x} {target}\""))
        #expect(diagnosis(manualDev: 0.8).manualFallback(chosen: result(21, dev: 0.7), crossValidation: nil) != nil)
        #expect(diagnosis(manualDev: 0.6).manualFallback(chosen: result(21, dev: 0.7), crossValidation: nil) == nil)
        #expect(diagnosis(baselineDev: 0.9).manualFallback(chosen: result(21, dev: 0.7), crossValidation: nil) == nil,
                "the majority answer is no template to export")
        let tiedBetterLoss = diagnosis(manualDev: 0.7, manualLogLoss: 2.5)
        let warned = { (logLoss: Double) in
            tiedBetterLoss.warnings(lossCurve: [], predictions: [], onDev: true, dev: self.metrics(0.7, logLoss: logLoss)).map(\.kind)
        }
        #expect(warned(2.0).isEmpty && warned(3.0) == [.notAboveBaseline], "the warning follows the same rule")
        #expect(tiedBetterLoss.manualFallback(chosen: result(21, dev: 0.7, logLoss: 2.0), crossValidation: nil) == nil,
                "on a tie in accuracy the prompt's lower log-loss tells it apart from the manual template")
        let tiedWorseLoss = try #require(tiedBetterLoss.manualFallback(chosen: result(21, dev: 0.7, logLoss: 3.0), crossValidation: nil))
        #expect(tiedWorseLoss.message.contains("0.7000, log-loss 3.0000") && tiedWorseLoss.message.contains("0.7000, log-loss 2.5000"))
        var noDev = result(21, dev: 0)
        noDev.dev = nil
        #expect(diagnosis(manualDev: 0.6).manualFallback(chosen: noDev, crossValidation: nil) == nil)
    }

    /// Ten dev records: 0.8 against the manual template's 0.6 is one standard error, within noise; 1.0
    /// against 0.6 is 2.58, a clear lead.
    @Test func aLeadWithinNoiseExportsThePromptOnlyWhenItsLogLossAgrees() throws {
        let manual = diagnosis(manualDev: 0.6, manualLogLoss: 0.7)
        let fallback = try #require(manual.manualFallback(chosen: result(21, dev: 0.8, logLoss: 1.9), crossValidation: nil),
                                    "right answers that a worse log-loss than the template's says are luck")
        #expect(fallback.kind == .manualTemplateExported)
        #expect(fallback.message.contains("within noise (1.00 standard errors") && fallback.message.contains("log-loss 1.9000")
                && fallback.message.contains("0.6000, log-loss 0.7000"))
        #expect(manual.manualFallback(chosen: result(21, dev: 0.8, logLoss: 0.5), crossValidation: nil) == nil,
                "the log-loss agrees with the lead")
        #expect(manual.manualFallback(chosen: result(21, dev: 1.0, logLoss: 1.9), crossValidation: nil) == nil,
                "a clear lead is exported whatever its log-loss")
        #expect(manual.manualFallback(chosen: result(21, dev: 0.8), crossValidation: nil) != nil,
                "a prompt without a log-loss has the worse one, as in DevScore")
        #expect(diagnosis(manualDev: 0.6).manualFallback(chosen: result(21, dev: 0.8), crossValidation: nil) == nil,
                "with neither log-loss the lead decides")
    }

    @Test func crossValidatedTheFoldsPooledDecideNotTheChosenSeedsFold() throws {
        func pooled(_ value: Double) -> CrossValidation {
            var pooled = CrossValidation(seeds: [], foldSizes: [8, 8, 8], manual: [])
            pooled.best = Metrics(count: 24, accuracy: value)
            pooled.bestStep = 120
            return pooled
        }
        let fallback = try #require(diagnosis(manualDev: 0.7).manualFallback(chosen: result(21, dev: 0.9), crossValidation: pooled(0.7)),
                                    "its own fold beat the manual template; the folds together did not")
        #expect(fallback.message.contains("3 folds at step 120") && fallback.message.contains("0.7000"))
        #expect(diagnosis(manualDev: 0.6).manualFallback(chosen: result(21, dev: 0.5), crossValidation: pooled(0.65)) == nil,
                "its own fold lost to the manual template; the folds together beat it")
    }

    /// The folds pooled choose step 40 (its log-loss the lowest within one standard error of step 160's
    /// 0.10) and are judged by 0.10, their highest: choosing the step by its log-loss does not lose a
    /// lead over the manual template (0.08 at step 40 would be under it).
    @Test func thePooledPromptIsJudgedByItsHighestMetricAndTheRefitStepsLogLoss() throws {
        let points: [(Int, Double, Double)] = [(40, 0.06, 4.49), (80, 0.06, 5.10), (160, 0.10, 6.53)]
        let curve = points.map { step, pAt1, logLoss in
            var metrics = Metrics(count: 50, pAt1: pAt1)
            metrics.values[.logLoss] = logLoss
            return DevPoint(step: step, metrics: metrics)
        }
        let seed = SeedResult(seed: 13, steps: 160, stoppedEarly: false, bestStep: 160, dev: curve[2].metrics, test: nil,
                              lossCurve: [], devCurve: curve, trainTokensPerSecond: 0, trainSeconds: 0, evalSeconds: 0)
        let pooled = CrossValidation(seeds: [seed], foldSizes: [50], manual: [])
        #expect(pooled.bestStep == 40 && pooled.best == curve[0].metrics && pooled.peakStep == 160)
        #expect(pooled.judged.pAt1 == 0.10 && pooled.judged.values[.logLoss] == 4.49 && pooled.judged.count == 50)
        func manual(_ pAt1: Double, logLoss: Double) -> SeedDiagnosis {
            var metrics = Metrics(count: 50, pAt1: pAt1)
            metrics.values[.logLoss] = logLoss
            return SeedDiagnosis(kind: FillKind(candidates: nil), vocabularySize: 100, answerTokens: nil,
                                 baselines: Baselines(majority: .init(description: "x", dev: Metrics(count: 50, pAt1: 0), test: nil),
                                                      manual: .init(description: "{subject}", dev: metrics, test: nil)))
        }
        #expect(manual(0.08, logLoss: 7.0).manualFallback(chosen: seed, crossValidation: pooled) == nil,
                "0.10 leads 0.08 within noise with a lower log-loss")
        let fallback = try #require(manual(0.08, logLoss: 4.0).manualFallback(chosen: seed, crossValidation: pooled))
        #expect(fallback.message.contains("the metric at its highest (step 160), the log-loss at step 40: P@1 0.1000, log-loss 4.4900"))
        #expect(manual(0.08, logLoss: 7.0).heldOutWarning(chosen: seed, crossValidation: pooled) == nil)
    }

    /// The run's verdict against the baselines: cross-validated, the folds pooled (a seed's own fold can
    /// beat the majority answer while the folds together do not, as on LAMA P413); else the chosen
    /// seed's. Whatever is exported carries it, the refit too, which has no dev split of its own.
    @Test func theExportedPromptCarriesTheRunsVerdictOnHeldOutRecords() throws {
        var pooled = CrossValidation(seeds: [], foldSizes: [20, 19, 19], manual: [])
        pooled.best = Metrics(count: 58, accuracy: 0.48)
        pooled.bestStep = 160
        let below = try #require(diagnosis(baselineDev: 0.53).heldOutWarning(chosen: result(13, dev: 0.55), crossValidation: pooled))
        #expect(below.kind == .notAboveBaseline)
        #expect(below.message.contains("0.4800 (the seeds' prompts over their 3 folds at step 160)") && below.message.contains("0.5300"))
        #expect(diagnosis(baselineDev: 0.45).heldOutWarning(chosen: result(13, dev: 0.3), crossValidation: pooled) == nil)
        let flagged = result(13, dev: 0.5, warnings: [.notAboveBaseline])
        #expect(diagnosis(baselineDev: 0.53).heldOutWarning(chosen: flagged, crossValidation: nil)?.kind == .notAboveBaseline)
        #expect(diagnosis(baselineDev: 0.53).heldOutWarning(chosen: result(13, dev: 0.6), crossValidation: nil) == nil)

        var outcome = OutputFixtures.outcome()
        #expect(outcome.warnings.isEmpty)
        let refitRun = result(21, dev: 0, warnings: [.oneAnswer])
        outcome.refit = RefitResult(result: refitRun, records: 50, matchedStep: 4, check: nil, exported: true)
        outcome.heldOutWarning = below
        #expect(outcome.warnings.map(\.kind) == [.oneAnswer, .notAboveBaseline], "the refit's own, then the run's")
        outcome.refit?.exported = false
        outcome.seeds[1].warnings = [RunWarning(kind: .notAboveBaseline, message: "its fold")]
        #expect(outcome.warnings == [below], "the chosen seed's fold gives way to the folds pooled")
        outcome.heldOutWarning = nil
        #expect(outcome.warnings.isEmpty)
    }
}
