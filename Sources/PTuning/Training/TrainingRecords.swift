/// One point of the training-loss curve.
public struct LossPoint: Sendable, Codable, Equatable {
    public var step: Int
    public var epoch: Int
    public var loss: Double
    public var learningRate: Double

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss
        case learningRate = "learning_rate"
    }
}

/// One evaluation on the dev split.
public struct DevPoint: Sendable, Codable, Equatable {
    public var step: Int
    public var metrics: Metrics
}

/// What one seed's run produced.
public struct SeedResult: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var steps: Int
    /// Whether early stopping ended the run before its last step.
    public var stoppedEarly: Bool
    /// The step whose prompt table was kept (the best on dev, or the last without a dev split: the last
    /// of `averagedSteps` when the kept table is their mean).
    public var bestStep: Int
    /// Without a dev split: how many of the last steps' tables (two or more) were averaged into the
    /// kept prompt (`TrainingSettings.tailAverage`); nil when the kept prompt is one step's table.
    public var averagedSteps: Int?
    /// The steps averaged into the kept prompt, "43–56"; nil when it is one step's table.
    public var averagedStepRange: String? { averagedSteps.map { "\(bestStep - $0 + 1)–\(bestStep)" } }
    public var dev: Metrics?
    public var test: Metrics?
    public var lossCurve: [LossPoint]
    public var devCurve: [DevPoint]
    /// Training tokens per second (forward + backward + update), excluding evaluation.
    public var trainTokensPerSecond: Double
    public var trainSeconds: Double
    public var evalSeconds: Double
    /// What looks unsound about the kept prompt; empty for a sound one.
    public var warnings: [RunWarning]

    public init(seed: UInt64, steps: Int, stoppedEarly: Bool, bestStep: Int, dev: Metrics?, test: Metrics?,
                lossCurve: [LossPoint], devCurve: [DevPoint], trainTokensPerSecond: Double, trainSeconds: Double,
                evalSeconds: Double, warnings: [RunWarning] = [], averagedSteps: Int? = nil) {
        self.seed = seed
        self.steps = steps
        self.stoppedEarly = stoppedEarly
        self.bestStep = bestStep
        self.dev = dev
        self.test = test
        self.lossCurve = lossCurve
        self.devCurve = devCurve
        self.trainTokensPerSecond = trainTokensPerSecond
        self.trainSeconds = trainSeconds
        self.evalSeconds = evalSeconds
        self.warnings = warnings
        self.averagedSteps = averagedSteps
    }

    enum CodingKeys: String, CodingKey {
        case seed, steps, dev, test, warnings
        case stoppedEarly = "stopped_early"
        case bestStep = "best_step"
        case averagedSteps = "averaged_steps"
        case lossCurve = "loss_curve"
        case devCurve = "dev_curve"
        case trainTokensPerSecond = "train_tokens_per_second"
        case trainSeconds = "train_seconds"
        case evalSeconds = "eval_seconds"
    }

    /// Reads a result; one saved before warnings (or averaging) existed has none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decode(UInt64.self, forKey: .seed)
        steps = try c.decode(Int.self, forKey: .steps)
        stoppedEarly = try c.decode(Bool.self, forKey: .stoppedEarly)
        bestStep = try c.decode(Int.self, forKey: .bestStep)
        averagedSteps = try c.decodeIfPresent(Int.self, forKey: .averagedSteps)
        dev = try c.decodeIfPresent(Metrics.self, forKey: .dev)
        test = try c.decodeIfPresent(Metrics.self, forKey: .test)
        lossCurve = try c.decode([LossPoint].self, forKey: .lossCurve)
        devCurve = try c.decode([DevPoint].self, forKey: .devCurve)
        trainTokensPerSecond = try c.decode(Double.self, forKey: .trainTokensPerSecond)
        trainSeconds = try c.decode(Double.self, forKey: .trainSeconds)
        evalSeconds = try c.decode(Double.self, forKey: .evalSeconds)
        warnings = try c.decodeIfPresent([RunWarning].self, forKey: .warnings) ?? []
    }
}

/// Progress of a training run, for progress bars, logs and the daemon.
public enum TrainingEvent: Sendable {
    case started(seed: UInt64, seedIndex: Int, seedCount: Int, totalSteps: Int, fromStep: Int)
    case step(seed: UInt64, step: Int, totalSteps: Int, epoch: Int, loss: Double, learningRate: Double,
              tokensPerSecond: Double)
    case evaluated(seed: UInt64, step: Int, metrics: Metrics, improved: Bool)
    case checkpointed(seed: UInt64, step: Int)
    case finishedSeed(SeedResult)
    /// The majority answer and manual template measured: before the first seed trains, or, when
    /// cross-validating, after the last fold (their dev figures pooled over the folds).
    case measuredBaselines(Baselines)
    /// The folds of a cross-validated run pooled, after the last fold and before any refit.
    case crossValidated(CrossValidation)
    /// The chosen seed starts again on `records` records, the carved dev split's (or every fold's)
    /// among them.
    case refitting(seed: UInt64, records: Int)
}
