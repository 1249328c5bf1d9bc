import Foundation

/// The refit's prompt on records it trained on (up to `Trainer.sampleSize`, spread evenly over them),
/// against what the chosen run scored on records it never trained on (its dev split, or the folds'
/// pooled dev). No dev split checks the refit's last steps, whose tables it averages; at a high learning
/// rate they can land far from the chosen run's best (a search's winner at lr 0.03: 78.5 on test from
/// its run, 55.75 from its refit, which fit its own records at 0.60 where the run had scored 0.90 on
/// dev). A fit of the training records is normally at least the held-out figure; a refit clearly
/// below it failed to train and is not exported.
public struct RefitCheck: Sendable, Codable, Equatable {
    /// The records the refit's prompt was measured on.
    public var records: Int
    /// The refit's prompt on them.
    public var refit: Metrics
    /// The chosen run's kept prompt on the same records, for the report: it trained on most of them,
    /// so it fits them more tightly than its quality on new records says.
    public var chosen: Metrics
    /// The chosen run on records it never trained on: its dev split's metrics, or the folds' pooled.
    public var heldOut: Metrics

    enum CodingKeys: String, CodingKey {
        case records, refit, chosen
        case heldOut = "held_out"
    }

    public init(records: Int, refit: Metrics, chosen: Metrics, heldOut: Metrics) {
        self.records = records
        self.refit = refit
        self.chosen = chosen
        self.heldOut = heldOut
    }

    /// How far the refit's primary metric may fall below the held-out one: two standard errors of a
    /// proportion at the held-out figure on its records, plus one of them, so that the noise of a small
    /// dev split never rejects a sound refit.
    public var tolerance: Double {
        let n = Double(max(heldOut.count, 1))
        let p = min(max(heldOut.primary, 0), 1)
        return 2 * (p * (1 - p) / n).squareRoot() + 1 / n
    }

    /// Whether the refit fits its records about as well as the chosen run did records it never saw, or
    /// better (a rounding's worth of slack, so that exactly the tolerance holds).
    public var holds: Bool { refit.primary >= heldOut.primary - tolerance - 1e-9 }
}
