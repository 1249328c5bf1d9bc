import Foundation

/// The learning rate at each optimizer step, from `TrainingSettings`.
///
/// - `constant`: the base rate.
/// - `linear`: base · step / warmup during warm-up, then base · (total − step) / (total − warmup), reaching
///   0 at `totalSteps` (Hugging Face's get_linear_schedule_with_warmup).
/// - `epochDecay`: base · decay^epoch (the authors' ExponentialLR stepped once per epoch).
public struct LearningRateSchedule: Sendable, Equatable {
    public var kind: ScheduleKind
    public var baseRate: Float
    public var warmupSteps: Int
    public var epochDecay: Float

    public init(kind: ScheduleKind, baseRate: Float, warmupSteps: Int = 0, epochDecay: Float = 0.98) {
        self.kind = kind
        self.baseRate = baseRate
        self.warmupSteps = warmupSteps
        self.epochDecay = epochDecay
    }

    public init(settings: TrainingSettings) {
        self.init(kind: settings.schedule, baseRate: settings.learningRate,
                  warmupSteps: settings.warmupSteps, epochDecay: settings.epochDecay)
    }

    /// The rate for the step taken after `step` earlier steps (0 for the first), in 0-based `epoch`,
    /// in a run of `totalSteps` steps.
    public func rate(step: Int, epoch: Int, totalSteps: Int) -> Float {
        switch kind {
        case .constant:
            return baseRate
        case .linear:
            if step < warmupSteps { return baseRate * Float(step) / Float(max(1, warmupSteps)) }
            let remaining = Float(max(0, totalSteps - step)) / Float(max(1, totalSteps - warmupSteps))
            return baseRate * remaining
        case .epochDecay:
            return baseRate * Float(pow(Double(epochDecay), Double(epoch)))
        }
    }
}
