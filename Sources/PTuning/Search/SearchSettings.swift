import Foundation

/// A bundle's `[search]`: the settings to try, how to choose among them and how much training to spend.
/// Each trial is one training run of the bundle with one value of every dimension of `space`.
public struct SearchSettings: Sendable, Equatable {
    public var space: SearchSpace
    public var strategy: SearchStrategy
    /// Configurations drawn (`random`), or started in the first rung (`halving`; nil: every
    /// combination of the space, as a grid); for `grid`, all of the grid when nil, else its first
    /// `trials` configurations.
    public var trials: Int?
    /// The training steps of every trial together, at most.
    public var budgetSteps: Int?
    /// The wall time of the whole search, at most, in seconds.
    public var budgetSeconds: Int?
    /// `halving`: each rung keeps the best 1/`reduction` of its trials and trains them `reduction`
    /// times as long.
    public var reduction: Int
    /// `halving`: the fewest steps the first rung may train (fewer rungs when the full steps divided
    /// by `reduction` once per later rung would be below it).
    public var minimumSteps: Int?
    /// Seeds the draws of `random` and `halving` (not the trials' own seeds).
    public var seed: UInt64

    /// Whether the configurations are the space's combinations (`grid`, and `halving` without `trials`).
    public var runsGrid: Bool { strategy == .grid || (strategy == .halving && trials == nil) }

    public static let defaultReduction = 3
    /// At most this many trials in one search.
    public static let maximumTrials = 256

    public init(space: SearchSpace, strategy: SearchStrategy = .grid, trials: Int? = nil, budgetSteps: Int? = nil,
                budgetSeconds: Int? = nil, reduction: Int = defaultReduction, minimumSteps: Int? = nil, seed: UInt64 = 0) {
        self.space = space
        self.strategy = strategy
        self.trials = trials
        self.budgetSteps = budgetSteps
        self.budgetSeconds = budgetSeconds
        self.reduction = reduction
        self.minimumSteps = minimumSteps
        self.seed = seed
    }
}

/// How a search chooses its trials.
public enum SearchStrategy: String, Sendable, Equatable, CaseIterable, Codable {
    /// Every combination of the listed values (a range contributes `points` values).
    case grid
    /// `trials` configurations drawn from the space, ranges on a log scale.
    case random
    /// Successive halving: `trials` drawn configurations train a few steps, the best 1/`reduction` go
    /// on `reduction` times as long, until the survivors train the full steps.
    case halving
}

/// The dimensions a search varies; nil leaves the bundle's own setting in every trial.
public struct SearchSpace: Sendable, Equatable {
    public var learningRate: LearningRates?
    public var encoder: [EncoderKind]?
    /// Template variants, each with its pseudo tokens.
    public var template: [Template]?
    public var batchSize: [Int]?
    public var steps: [Int]?
    /// Each trial trains one of these seeds.
    public var seeds: [UInt64]?

    public init(learningRate: LearningRates? = nil, encoder: [EncoderKind]? = nil, template: [Template]? = nil,
                batchSize: [Int]? = nil, steps: [Int]? = nil, seeds: [UInt64]? = nil) {
        self.learningRate = learningRate
        self.encoder = encoder
        self.template = template
        self.batchSize = batchSize
        self.steps = steps
        self.seeds = seeds
    }

    /// Whether no dimension is given.
    public var isEmpty: Bool {
        learningRate == nil && encoder == nil && template == nil && batchSize == nil && steps == nil && seeds == nil
    }
}

/// The learning rates a search tries: listed, or a range on a log scale.
public enum LearningRates: Sendable, Equatable {
    case values([Float])
    /// From `min` to `max`; a grid takes `points` values evenly spaced in log (both ends included).
    case range(min: Float, max: Float, points: Int?)

    /// The values a grid takes; nil for a range without `points`.
    public var gridValues: [Float]? {
        switch self {
        case let .values(values): return values
        case let .range(min, max, points):
            guard let points else { return nil }
            guard points > 1 else { return [min] }
            return (0..<points).map { Self.between(min, max, at: Double($0) / Double(points - 1)) }
        }
    }

    /// The learning rate `unit` (0 to 1) of the way from `min` to `max` on a log scale.
    static func between(_ min: Float, _ max: Float, at unit: Double) -> Float {
        Float(exp(log(Double(min)) + unit * (log(Double(max)) - log(Double(min)))))
    }
}
