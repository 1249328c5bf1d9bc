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
    /// The step whose prompt table was kept (the best on dev, or the last without a dev split).
    public var bestStep: Int
    public var dev: Metrics?
    public var test: Metrics?
    public var lossCurve: [LossPoint]
    public var devCurve: [DevPoint]
    /// Training tokens per second (forward + backward + update), excluding evaluation.
    public var trainTokensPerSecond: Double
    public var trainSeconds: Double
    public var evalSeconds: Double

    enum CodingKeys: String, CodingKey {
        case seed, steps, dev, test
        case stoppedEarly = "stopped_early"
        case bestStep = "best_step"
        case lossCurve = "loss_curve"
        case devCurve = "dev_curve"
        case trainTokensPerSecond = "train_tokens_per_second"
        case trainSeconds = "train_seconds"
        case evalSeconds = "eval_seconds"
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
}
