import Foundation

/// A sign that a seed's prompt is not sound although its run finished: reported in report.json,
/// report.md and the daemon's history, and a seed with warnings is exported only when every seed has
/// them.
public struct RunWarning: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, Equatable, CaseIterable {
        /// Every prediction on dev (or, without dev, on the training records) is the same answer
        /// although the gold answers differ: the prompt ignores its input (collapse).
        case oneAnswer = "one_answer"
        /// The smoothed training loss ends above the loss of a uniform guess and no lower than it
        /// started: training diverged.
        case lossAboveUniform = "loss_above_uniform"
        /// The dev metric is not above the majority answer's or the manual template's.
        case notAboveBaseline = "not_above_baseline"
        /// No seed's prompt clearly beat the manual template on dev (`ManualFallbackReason`), so
        /// the manual template is exported instead (`TrainingSettings.manualFallback`).
        case manualTemplateExported = "manual_template_exported"
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The checks behind `RunWarning`, on one seed's kept prompt.
struct SeedDiagnosis {
    /// The loss a prediction that gives every answer the same score has.
    let uniformLoss: Double
    let baselines: Baselines?
    /// The primary metric's name, for messages.
    let metricName: String

    init(kind: any TaskKind, vocabularySize: Int, answerTokens: [Int]?, baselines: Baselines?) {
        uniformLoss = kind.uniformLoss(vocabularySize: vocabularySize, answerTokens: answerTokens)
        metricName = kind.primaryMetric.label
        self.baselines = baselines
    }

    /// The mean loss of the first and of the last tenth of the run (at least 5 steps each).
    static func smoothedLosses(_ curve: [LossPoint]) -> (start: Double, end: Double)? {
        guard !curve.isEmpty else { return nil }
        let width = max(5, curve.count / 10)
        let mean = { (points: ArraySlice<LossPoint>) in points.map(\.loss).reduce(0, +) / Double(points.count) }
        return (mean(curve.prefix(width)), mean(curve.suffix(width)))
    }

    /// The warnings of a seed: `predictions` are the kept prompt's on dev (or on training records
    /// when `onDev` is false), `dev` its dev metrics.
    func warnings(lossCurve: [LossPoint], predictions: [Prediction], onDev: Bool, dev: Metrics?) -> [RunWarning] {
        var warnings: [RunWarning] = []
        let golds = Set(predictions.compactMap(\.gold))
        let answers = Set(predictions.map(\.predicted))
        if golds.count > 1, answers.count == 1, let only = answers.first {
            warnings.append(RunWarning(kind: .oneAnswer, message:
                "every \(onDev ? "dev" : "training") prediction is \(only.debugDescription) (\(predictions.count) records) although "
                + "their answers differ: the prompt ignores its input"))
        }
        if let losses = Self.smoothedLosses(lossCurve), losses.end > uniformLoss, losses.end >= losses.start {
            warnings.append(RunWarning(kind: .lossAboveUniform, message:
                "the training loss ends at \(Self.format(losses.end)), above \(Self.format(uniformLoss)), the loss of a "
                + "uniform guess, and no lower than it started (\(Self.format(losses.start))): training diverged"))
        }
        if let dev, let warning = baselineWarning(dev, measured: nil) { warnings.append(warning) }
        return warnings
    }

    /// `notAboveBaseline` when `dev` (measured as `measured` says, when given) does not rise above the
    /// baselines on dev.
    private func baselineWarning(_ dev: Metrics, measured: String?) -> RunWarning? {
        guard let baselines, let mark = baselines.devMark, !baselines.beaten(by: dev) else { return nil }
        return RunWarning(kind: .notAboveBaseline, message:
            "dev \(metricName) \(Self.format(dev.primary))\(measured.map { " (\($0))" } ?? "") is not above "
            + "\(Self.format(mark)), the better of the majority answer and the manual template on dev (a tie with the "
            + "manual template goes by log-loss)")
    }

    /// The run's own verdict against the baselines on records it held out, which whatever prompt it
    /// exports carries (a refit has no dev split of its own): cross-validated, the folds pooled at the
    /// refit's step, measured like the baselines on every record; else the chosen seed's dev.
    func heldOutWarning(chosen: SeedResult, crossValidation: CrossValidation?) -> RunWarning? {
        guard let crossValidation else { return chosen.warnings.first { $0.kind == .notAboveBaseline } }
        return baselineWarning(crossValidation.judged, measured: Self.pooled(crossValidation))
    }

    /// "the seeds' prompts over their 3 folds at step 120", or where the metric is taken at its highest
    /// (`CrossValidation.judged`) "… folds, the metric at its highest (step 160), the log-loss at step 40".
    private static func pooled(_ crossValidation: CrossValidation) -> String {
        let folds = "the seeds' prompts over their \(crossValidation.foldSizes.count) folds"
        guard let peak = crossValidation.peakStep else { return folds + " at step \(crossValidation.bestStep)" }
        return folds + ", the metric at its highest (step \(peak)), the log-loss at step \(crossValidation.bestStep)"
    }

    /// The reason to export the manual template instead of `chosen`'s prompt (`ManualFallbackReason`),
    /// nil when the prompt clearly beats it or either has no dev figure. Cross-validated, the folds
    /// pooled (`CrossValidation.judged`) are compared instead of the chosen seed's fold.
    func manualFallback(chosen: SeedResult, crossValidation: CrossValidation?) -> RunWarning? {
        guard let baselines, let manualMetrics = baselines.manual.dev,
              let promptMetrics = crossValidation?.judged ?? chosen.dev,
              let reason = ManualFallbackReason(prompt: promptMetrics, manual: manualMetrics) else { return nil }
        let said = switch reason {
        case .notAbove: "no prompt scored above the manual template on dev"
        case .leadWithinNoise(let lead):
            "the prompt's lead over the manual template on dev is within noise (\(String(format: "%.2f", lead)) "
                + "standard errors, under \(ManualFallbackReason.clearLead)) and its log-loss is higher"
        }
        let measured = crossValidation.map(Self.pooled) ?? "seed \(chosen.seed), the best"
        return RunWarning(kind: .manualTemplateExported, message:
            "\(said) (\(measured): \(metricName) \(scored(promptMetrics)); the manual template: "
            + "\(scored(manualMetrics))): the manual template \(baselines.manual.description.debugDescription) "
            + "is exported, with no prompt rows")
    }

    /// The primary metric, and the log-loss that breaks its ties: "0.1000, log-loss 3.2189".
    private func scored(_ metrics: Metrics) -> String {
        Self.format(metrics.primary) + (metrics.values[.logLoss].map { ", log-loss " + Self.format($0) } ?? "")
    }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
