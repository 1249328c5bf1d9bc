import Foundation

/// The refit's prompt beside the chosen run's, both on records the refit trained on (up to
/// `Trainer.sampleSize`, spread evenly over them). The refit keeps only its last step, which no dev
/// split checks; at a high learning rate that step can land far from the chosen run's best (a
/// search's winner at lr 0.03: 78.5 on test from its run, 55.75 from its refit). A refit that fits
/// its own records clearly worse than the run it repeats is not exported.
public struct RefitCheck: Sendable, Codable, Equatable {
    /// The records both prompts were measured on.
    public var records: Int
    /// The refit's prompt on them.
    public var refit: Metrics
    /// The chosen run's kept prompt on them (it trained on most of them, not on its dev split).
    public var chosen: Metrics

    public init(records: Int, refit: Metrics, chosen: Metrics) {
        self.records = records
        self.refit = refit
        self.chosen = chosen
    }

    /// How far the refit's primary metric may fall below the chosen run's before it counts as worse:
    /// two standard errors of a proportion at the chosen run's figure on `records` records, plus one
    /// record, so that the noise between two equally good fits never rejects a refit.
    public var tolerance: Double {
        let n = Double(max(records, 1))
        let p = min(max(chosen.primary, 0), 1)
        return 2 * (p * (1 - p) / n).squareRoot() + 1 / n
    }

    /// Whether the refit fits its records about as well as the chosen run or better (a rounding's
    /// worth of slack, so that exactly one record less holds).
    public var holds: Bool { refit.primary >= chosen.primary - tolerance - 1e-9 }
}
