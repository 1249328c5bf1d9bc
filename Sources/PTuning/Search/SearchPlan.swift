import Tensor

/// One rung of successive halving: how many trials train, and for how many steps in all.
public struct SearchRung: Sendable, Equatable {
    public var trials: Int
    public var steps: Int
}

/// The trials a search runs, chosen from its settings alone (the same on every machine).
public enum SearchPlan {
    /// Every trial configuration: the grid's combinations (the first `trials` of them when given; for
    /// `halving` without `trials`, all of them), or `trials` draws for `random` and `halving`.
    public static func configurations(_ settings: SearchSettings) -> [SearchTrial] {
        guard !settings.runsGrid else {
            let size = gridSize(settings.space)
            return (0..<min(size, settings.trials ?? size)).map { combination($0, of: settings.space) }
        }
        var rng = SeededGenerator(seed: settings.seed ^ 0x5EA5_C4ED_0001_D5A7)
        return (0..<(settings.trials ?? 1)).map { draw(settings.space, index: $0, using: &rng) }
    }

    /// How many combinations the listed values make, `Int.max` when more than that: a hostile
    /// manifest's lists never make the grid itself.
    public static func gridSize(_ space: SearchSpace) -> Int {
        let counts = [space.learningRate?.gridValues?.count, space.encoder?.count, space.template?.count,
                      space.batchSize?.count, space.steps?.count, space.seeds?.count].compactMap { $0 }
        return counts.reduce(1) { product, count in
            let (next, overflow) = product.multipliedReportingOverflow(by: count)
            return overflow ? Int.max : next
        }
    }

    /// The grid's combination number `index`, the last dimension (seeds) varying fastest.
    static func combination(_ index: Int, of space: SearchSpace) -> SearchTrial {
        var trial = SearchTrial(index: index)
        var rest = index
        func digit<Value>(_ values: [Value]?) -> Value? {
            guard let values else { return nil }
            defer { rest /= values.count }
            return values[rest % values.count]
        }
        trial.seed = digit(space.seeds)
        trial.steps = digit(space.steps)
        trial.batchSize = digit(space.batchSize)
        trial.template = digit(space.template)
        trial.encoder = digit(space.encoder)
        trial.learningRate = digit(space.learningRate?.gridValues)
        return trial
    }

    /// One configuration drawn from `space`: a listed value uniformly, a learning rate in a range
    /// log-uniformly.
    static func draw(_ space: SearchSpace, index: Int, using rng: inout SeededGenerator) -> SearchTrial {
        func pick<Value>(_ values: [Value]?) -> Value? {
            values.map { $0[Int(rng.next() % UInt64($0.count))] }
        }
        var trial = SearchTrial(index: index)
        switch space.learningRate {
        case let .values(values)?: trial.learningRate = pick(values)
        case let .range(min, max, _)?: trial.learningRate = LearningRates.between(min, max, at: rng.uniformDouble())
        case nil: break
        }
        trial.encoder = pick(space.encoder)
        trial.template = pick(space.template)
        trial.batchSize = pick(space.batchSize)
        trial.steps = pick(space.steps)
        trial.seed = pick(space.seeds)
        return trial
    }

    /// Successive halving's rungs for `trials` trials of at most `fullSteps` steps: rung k trains the
    /// best trials/`reduction`^k (at least one) for `fullSteps`/`reduction`^(last - k) steps, as many
    /// rungs as keep at least one trial and give the first at least `minimumSteps` steps; the last
    /// rung trains its trials for `fullSteps`.
    public static func rungs(trials: Int, fullSteps: Int, reduction: Int, minimumSteps: Int?) -> [SearchRung] {
        let eta = max(2, reduction)
        var depth = 0
        var power = 1
        while trials / (power * eta) >= 1, fullSteps / (power * eta) >= max(1, minimumSteps ?? 1) {
            depth += 1
            power *= eta
        }
        let powers = (0...depth).map { k in (0..<k).reduce(1) { product, _ in product * eta } }
        return (0...depth).map { k in
            SearchRung(trials: max(1, trials / powers[k]), steps: fullSteps / powers[depth - k])
        }
    }
}
