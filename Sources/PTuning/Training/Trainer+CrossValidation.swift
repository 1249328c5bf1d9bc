import Foundation
import Tensor

extension Trainer {
    /// Cross-validation (`TrainingData.folds`): fold i is left out of seed i's training (`foldSeeds`)
    /// and is that seed's dev split, with this run's
    /// settings, steps and evaluation steps for every fold (without `eval_every`, once per pass over
    /// the largest fold's training records), so that the folds' dev curves line up. Each fold run checkpoints on its own and reports its
    /// warnings against the baselines of its fold. The outcome carries the folds' pooled curve
    /// (`CrossValidation`), the baselines on the folds pooled the same way, and the prompt of the
    /// seed best on its own fold (the seed the refit trains with; with `refit = false`, the prompt
    /// exported, trained on all folds but one); the caller decides between that and the manual
    /// template by the pooled curve.
    func runFolds() throws -> (TrainingOutcome, SeedResult) {
        let onTest = TrainingData(train: data.train, dev: [], test: data.test,
                                  manual: data.manual.map { ManualTemplateData(encoder: $0.encoder, dev: [], test: $0.test) })
        var baselines = Baselines.measure(data: onTest, evaluator: evaluator, batchSize: settings.evalBatchSize)
        var results: [SeedResult] = []
        var tables: [FloatBuffer] = []
        var foldBaselines: [Baselines] = []
        for (index, seed) in Self.foldSeeds(settings.seeds, count: data.folds.count).enumerated() {
            let run = try runFold(index, seed: seed)
            results.append(run.seeds[0])
            tables.append(run.table)
            foldBaselines.append(run.baselines)
        }
        baselines.majority.dev = CrossValidation.pool(foldBaselines.compactMap(\.majority.dev))
        baselines.manual.dev = CrossValidation.pool(foldBaselines.compactMap(\.manual.dev))
        onEvent(.measuredBaselines(baselines))
        let pooled = CrossValidation(seeds: results, foldSizes: data.folds.map(\.count),
                                     manual: foldBaselines.compactMap(\.manual.dev))
        onEvent(.crossValidated(pooled))
        var ran = settings
        ran.seeds = results.map(\.seed)
        ran.automatic = settings.automatic
        let best = Self.bestSeedIndex(results)
        var outcome = TrainingOutcome(seeds: results, table: tables[best], bestSeed: results[best].seed,
                                      baselines: baselines, settings: ran, data: data.summary)
        outcome.crossValidation = pooled
        return (outcome, results[best])
    }

    /// The seeds of `count` folds: the run's seeds in turn, each round after the first adding its
    /// number, so that every fold has a seed of its own even with fewer seeds than folds (a search
    /// trial of one seed); a seed already taken (seeds 1 and 2: the third fold's 1 + 1) moves up to
    /// the next free one. With more seeds than folds, the first `count`.
    static func foldSeeds(_ seeds: [UInt64], count: Int) -> [UInt64] {
        var taken = Set<UInt64>()
        return (0..<count).map { index in
            var seed = seeds[index % seeds.count] &+ UInt64(index / seeds.count)
            while !taken.insert(seed).inserted { seed &+= 1 }
            return seed
        }
    }

    /// Seed `seed` trained on every fold but `index` and judged on fold `index`, with the manual
    /// template measured on that fold (not on test, which this run measures once).
    private func runFold(_ index: Int, seed: UInt64) throws -> TrainingOutcome {
        let fold = data.folds[index]
        let held = Set(fold)
        let manual = data.manual.map { manual in
            ManualTemplateData(encoder: manual.encoder, dev: fold.map { manual.dev[$0] }, test: [])
        }
        let foldData = TrainingData(train: data.train.indices.filter { !held.contains($0) }.map { data.train[$0] },
                                    dev: fold.map { data.train[$0] }, test: data.test, devSource: .carved, manual: manual)
        var foldSpec = spec
        foldSpec.training = settings
        foldSpec.training.seeds = [seed]
        foldSpec.training.maxSteps = totalSteps
        foldSpec.training.evalEvery = settings.evalEvery > 0 ? settings.evalEvery
            : settings.stepsPerEpoch(trainingExamples: data.recordsPerSeed)
        foldSpec.training.refit = false
        foldSpec.training.manualFallback = false
        return try innerTrainer(spec: foldSpec, data: foldData, directory: "fold-\(index + 1)", runIndex: index).run()
    }
}
