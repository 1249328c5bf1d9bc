import Foundation

/// Why a run exports the manual template instead of its prompt: the one rule both the export
/// (`SeedDiagnosis.manualFallback`) and report.md's account of it follow.
public enum ManualFallbackReason: Sendable, Equatable {
    /// The manual template scores at least as well on dev (`DevScore`: the primary metric, then the
    /// log-loss), so dev cannot tell the prompt from writing none.
    case notAbove
    /// The prompt's lead is within the noise of the dev records (under `clearLead` standard errors)
    /// and its log-loss is above the manual template's (a missing one counts as infinite, as in
    /// `DevScore`): on few records a handful of right answers can be luck, and a proper score that is
    /// worse than the template's says they are.
    case leadWithinNoise(standardErrors: Double)

    /// The lead in the primary metric, in standard errors (`Metrics.standardErrors(above:)`), from which
    /// a prompt is exported whatever its log-loss: nominally a one-sided test at 5%. Only nominally: the
    /// two figures come from the same records, and the prompt's is the best of several steps and seeds.
    public static let clearLead = 1.645

    /// The reason to prefer the manual template, measured as `manual` on dev, over a prompt measured
    /// as `prompt` on the same records; nil when the prompt clearly beats it.
    public init?(prompt: Metrics, manual: Metrics) {
        let lead = prompt.standardErrors(above: manual)
        if !(prompt.score > manual.score) {
            self = .notAbove
        } else if lead < Self.clearLead, (prompt.score.logLoss ?? .infinity) > (manual.score.logLoss ?? .infinity) {
            self = .leadWithinNoise(standardErrors: lead)
        } else {
            return nil
        }
    }
}
