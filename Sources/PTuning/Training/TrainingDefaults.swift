/// The rules by which ptune chooses the training settings a bundle leaves out, chosen for doing well
/// on every task tried rather than best on one; docs/RESULTS.md ("Defaults") has the learning curves
/// and the runs behind them.
public enum TrainingDefaults {
    /// The learning rate of each encoder: a plain table moves its rows directly and wants a larger
    /// step than the weights of an LSTM or MLP that produce them.
    public static func learningRate(for encoder: EncoderKind) -> Float {
        switch encoder {
        case .none: 3e-3
        case .mlp, .lstm: 1e-4
        }
    }

    /// Steps per seed: `epochs` passes over the training split, but at least `minimumSteps` (small
    /// sets need many passes) and at most `maximumSteps` (large sets stop improving long before an
    /// epoch ends).
    public static let epochs = 2
    public static let minimumSteps = 200
    public static let maximumSteps = 300

    /// Seeds run one after another while their steps fit in `seedStepBudget`, at most `seedPool.count`;
    /// without a dev split to choose among them, one.
    public static let seedPool: [UInt64] = [13, 21, 42]
    public static let seedStepBudget = 900

    /// Dev evaluations per seed, spread evenly over its steps.
    public static let evaluationsPerSeed = 5

    public static func steps(stepsPerEpoch: Int) -> Int {
        min(maximumSteps, max(minimumSteps, epochs * stepsPerEpoch))
    }

    public static func seeds(stepsPerSeed: Int) -> [UInt64] {
        let count = min(seedPool.count, max(1, seedStepBudget / max(1, stepsPerSeed)))
        return Array(seedPool.prefix(count))
    }
}

extension TrainingSettings {
    /// Batches in one pass over `trainingExamples` records (the last one may be short).
    public func stepsPerEpoch(trainingExamples: Int) -> Int {
        max(1, (trainingExamples + batchSize - 1) / batchSize)
    }

    /// Steps one seed runs: `maxSteps`, or `epochs` passes.
    public func totalSteps(trainingExamples: Int) -> Int {
        maxSteps ?? epochs * stepsPerEpoch(trainingExamples: trainingExamples)
    }

    /// These settings with every setting still in `automatic` chosen by `TrainingDefaults` for this
    /// encoder and training split; `automatic` keeps naming what was chosen, for the report.
    public func resolved(encoder: EncoderKind, trainingExamples: Int, hasDev: Bool) -> TrainingSettings {
        var s = self
        let chosen = automatic
        if chosen.contains(.learningRate) { s.learningRate = TrainingDefaults.learningRate(for: encoder) }
        if chosen.contains(.steps) {
            s.maxSteps = TrainingDefaults.steps(stepsPerEpoch: stepsPerEpoch(trainingExamples: trainingExamples))
        }
        let steps = s.totalSteps(trainingExamples: trainingExamples)
        if chosen.contains(.seeds) { s.seeds = hasDev ? TrainingDefaults.seeds(stepsPerSeed: steps) : [TrainingDefaults.seedPool[0]] }
        if chosen.contains(.evalEvery), hasDev {
            s.evalEvery = max(1, (steps + TrainingDefaults.evaluationsPerSeed - 1) / TrainingDefaults.evaluationsPerSeed)
        }
        s.automatic = hasDev ? chosen : chosen.subtracting([.evalEvery])
        return s
    }
}
