/// The seeds of a cross-validated run taken together (`TrainingData.folds`): how training on all
/// folds but one scores, step by step, on the fold left out, and the manual template on the same
/// records. With every record dev once, the choice between a prompt and the manual template rests on
/// the whole training set instead of one small carved split.
public struct CrossValidation: Sendable, Codable, Equatable {
    /// The records in each fold, in the order of the seeds.
    public var foldSizes: [Int]
    /// At each step every fold was evaluated at, the folds' dev metrics averaged with their sizes as
    /// weights.
    public var curve: [DevPoint]
    /// The step of `curve` the refit trains as many passes as (`lowestLogLossWithinNoise`).
    public var bestStep: Int
    /// `curve` at `bestStep`; the seeds' kept metrics pooled when the folds share no step.
    public var best: Metrics
    /// The step of `curve` at its highest primary metric (`lastAtBest`), when it is not `bestStep`.
    public var peakStep: Int? {
        curve.lastAtBest.flatMap { $0.step == bestStep ? nil : $0.step }
    }

    /// What the baselines and other trials are compared with: `best` with the primary metric of the
    /// curve at its highest (`peakStep`), which `bestStep`'s is within noise of. A count of right
    /// answers is judged at its best, the proper score at the step the refit matches: choosing the step
    /// by its log-loss does not lower the prompt's standing against the manual template.
    public var judged: Metrics {
        guard let peak = curve.lastAtBest?.metrics else { return best }
        var judged = best
        judged.values[judged.primaryName] = peak.primary
        judged.count = peak.count
        return judged
    }
    /// The manual template on each fold, pooled the same way.
    public var manual: Metrics?

    enum CodingKeys: String, CodingKey {
        case curve, best, manual
        case foldSizes = "fold_sizes"
        case bestStep = "best_step"
    }

    /// The pooled view of `seeds`, seed i judged on fold i of `foldSizes` records, and `manual`
    /// each fold's manual-template metrics.
    init(seeds: [SeedResult], foldSizes: [Int], manual: [Metrics]) {
        self.foldSizes = foldSizes
        let shared = seeds.dropFirst().reduce(Set(seeds.first?.devCurve.map(\.step) ?? [])) { common, seed in
            common.intersection(seed.devCurve.map(\.step))
        }
        curve = shared.sorted().compactMap { step in
            Self.pool(seeds.compactMap { seed in seed.devCurve.last { $0.step == step }?.metrics })
                .map { DevPoint(step: step, metrics: $0) }
        }
        let chosen = curve.lowestLogLossWithinNoise
        bestStep = chosen?.step ?? seeds.map(\.bestStep).max() ?? 0
        best = chosen?.metrics ?? Self.pool(seeds.compactMap(\.dev)) ?? Metrics(count: 0)
        self.manual = manual.count == seeds.count ? Self.pool(manual) : nil
    }

    /// The metrics every one of `parts` reports, averaged with the parts' record counts as weights;
    /// nil when there are none or they cover no record.
    static func pool(_ parts: [Metrics]) -> Metrics? {
        let total = parts.map(\.count).reduce(0, +)
        guard let first = parts.first, total > 0 else { return nil }
        let names = first.values.names.filter { name in parts.allSatisfy { $0.values[name] != nil } }
        let values = Dictionary(uniqueKeysWithValues: names.map { name in
            (name, parts.map { Double($0.count) * ($0.values[name] ?? 0) }.reduce(0, +) / Double(total))
        })
        return Metrics(count: total, values: values, primary: first.primaryName)
    }
}

extension [DevPoint] {
    /// The last evaluation at the best `DevScore` (the primary metric, then the log-loss): on a tie
    /// the later one, since training on did not cost anything on dev. Nil for no evaluation.
    var lastAtBest: DevPoint? {
        let best = map(\.metrics.score).max()
        return last { $0.metrics.score == best }
    }

    /// Of the evaluations whose primary metric is within one standard error of the best
    /// (`Metrics.standardError`, the best read as a fraction of its records), the one with the lowest
    /// log-loss; then the higher primary metric, then the later. Where a count of right answers cannot
    /// tell the steps apart, the proper score decides, as it does an exact tie (`lastAtBest`, which
    /// this is when the best has no spread: every record right or none): on a few dozen records one
    /// more right answer at a late, overtrained step is noise, and its log-loss says so. Nil for no
    /// evaluation.
    var lowestLogLossWithinNoise: DevPoint? {
        guard let top = lastAtBest?.metrics else { return nil }
        let floor = top.primary - top.standardError
        return filter { $0.metrics.primary >= floor }.max { a, b in
            let (x, y) = (a.metrics.score, b.metrics.score)
            if x.logLoss != y.logLoss { return (x.logLoss ?? .infinity) > (y.logLoss ?? .infinity) }
            return x.primary != y.primary ? x.primary < y.primary : a.step < b.step
        }
    }
}
