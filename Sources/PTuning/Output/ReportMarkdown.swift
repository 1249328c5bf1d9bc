import Foundation

/// `report.md`: the run for people to read — task, model, metrics per seed with mean ± std, the kept
/// seed, timing, a loss sparkline and what the PEFT export can and cannot reproduce.
public enum ReportMarkdown {
    /// Block characters from low to high, for sparklines.
    static let bars = Array("▁▂▃▄▅▆▇█")

    public static func render(_ report: RunReport) -> String {
        var lines: [String] = []
        lines.append("# \(inline(report.task.name)): P-tuning report")
        lines.append("")
        if let id = report.job.id { lines.append("- Job: `\(id)`") }
        lines.append("- Bundle: \(inline(report.job.bundleName))" + (report.job.bundleSHA256.map { " (sha256 `\($0.prefix(12))`)" } ?? ""))
        if let version = report.job.ptuneVersion { lines.append("- Trained by ptune \(version)") }
        lines.append("- Task: \(report.task.kind), template `\(report.task.template)` (\(report.task.pseudoTokens) pseudo tokens\(report.task.bos ? "; its text after the model's BOS token" : "")), label field `\(report.task.labelField)`")
        lines.append("- Model: \(inline(report.model.name)) (\(report.model.architecture), \(report.model.layers) layers, "
                     + "hidden size \(report.model.hiddenSize), sha256 `\(report.model.sha256.prefix(12))`)")
        lines.append("- Encoder: \(report.encoder.kind), hidden size \(report.encoder.effectiveHiddenSize); optimizer "
                     + "\(report.training.optimizer), learning rate \(report.training.learningRate), batch \(report.training.batchSize)")
        let averaged = report.seeds.contains { $0.averagedSteps != nil }
        lines.append("- Data: \(report.data.train) training, \(devDescription(report.data, averaged: averaged)), \(report.data.test) test records"
                     + (report.training.automatic.isEmpty ? ""
                        : "; chosen by ptune: " + report.training.automatic.joined(separator: ", ")))
        lines.append("")
        for warning in report.summary.warnings {
            lines.append("> **Warning (\(warning.kind.rawValue)):** \(inline(warning.message)).")
            lines.append("")
        }
        lines.append(contentsOf: results(report))
        lines.append("")
        lines.append("## Training")
        lines.append("")
        lines.append("- Started \(report.timing.startedAt), finished \(report.timing.finishedAt) "
                     + "(\(duration(report.timing.wallSeconds)) wall, \(duration(report.timing.trainSeconds)) training, "
                     + "\(duration(report.timing.evalSeconds)) evaluation)")
        lines.append("- \(String(format: "%.0f", report.timing.trainTokensPerSecondMean)) training tokens/s (mean over seeds), "
                     + "\(report.resources.threads) threads, peak RSS \(String(format: "%.0f", report.resources.peakRSSMB)) MB")
        if let cache = report.resources.prefixCache {
            lines.append("- Text before the first pseudo token: the keys and values of \(cache.texts) texts kept "
                         + "(\(String(format: "%.1f", cache.megabytes)) MB), read by \(cache.passesReused) of the "
                         + "\(cache.passesReused + cache.passesComputed) forward passes with such text")
        }
        lines.append("")
        lines.append("Loss per seed (start → end):")
        lines.append("")
        for seed in report.seeds {
            let losses = seed.lossCurve.map(\.loss)
            let ends = losses.first.map { first in " \(format(first)) → \(format(losses.last ?? first))" } ?? " no steps"
            lines.append("    seed \(seed.seed): \(sparkline(losses))\(ends)")
        }
        lines.append("")
        lines.append("![Training loss and dev metric](loss.svg)")
        lines.append("")
        lines.append("## Exports")
        lines.append("")
        lines.append("- `prompt.safetensors`: the prompt table with its task, for `ptune predict`; reproduces the run exactly.")
        let exactness = report.task.prefixOnly
            ? "The template is prefix-only, so this reproduces the trained behaviour exactly."
            : "The template places pseudo tokens after text, so this only approximates the trained behaviour."
        lines.append("- `adapter/`: a Hugging Face PEFT P-tuning adapter. PEFT prepends all virtual tokens to the input. \(exactness)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The results section: the seeds' table, what was exported, every warning, the folds pooled
    /// when cross-validated, and the baselines.
    static func results(_ report: RunReport) -> [String] {
        var lines = ["## Results", ""] + table(report) + ["", exported(report)]
        for seed in report.seeds {
            for warning in seed.warnings { lines.append("- Seed \(seed.seed), \(warning.kind.rawValue): \(inline(warning.message))") }
        }
        for warning in report.refit?.result.warnings ?? [] {
            lines.append("- Seed \(report.summary.bestSeed) on all records, \(warning.kind.rawValue): \(inline(warning.message))")
        }
        if let pooled = report.crossValidation {
            lines.append("")
            lines.append("Folds pooled (\(pooled.foldSizes.map(String.init).joined(separator: " + ")) records): dev "
                         + pooled.curve.map { "\(format($0.metrics.primary)) at step \($0.step)" }.joined(separator: ", ")
                         + "; the manual template \(pooled.manual.map { format($0.primary) } ?? "–"). The pooled "
                         + "step is \(pooled.bestStep): the lowest log-loss within one standard error of the best.")
        }
        return lines + [""] + baselineTable(report.baselines)
    }

    /// A metric column of the results table.
    private struct Column {
        let title: String
        let dev: Bool
        let metric: MetricName
        let statistic: RunReport.Statistic?
    }

    /// The kept step, or the steps whose tables were averaged into the kept prompt ("43–56 (mean)").
    static func keptSteps(_ seed: SeedResult) -> String {
        seed.averagedStepRange.map { "\($0) (mean)" } ?? "\(seed.bestStep)"
    }

    /// The metrics table: a row per seed, then mean ± std; only metrics some seed reports.
    static func table(_ report: RunReport) -> [String] {
        func columns(_ split: String, dev: Bool, _ summary: RunReport.MetricSummary) -> [Column] {
            MetricName.allCases.map { Column(title: "\(split) \($0.columnLabel)", dev: dev, metric: $0, statistic: summary[$0]) }
        }
        let present = (columns("dev", dev: true, report.summary.dev) + columns("test", dev: false, report.summary.test))
            .filter { $0.statistic != nil }
        var lines = ["| seed | steps | kept step | " + present.map(\.title).joined(separator: " | ") + " | tokens/s |",
                     "|---:|---:|---:|" + String(repeating: "---:|", count: present.count) + "---:|"]
        for seed in report.seeds {
            let values = present.map { column in
                (column.dev ? seed.dev : seed.test).flatMap { $0.values[column.metric] }.map(format) ?? "–"
            }
            let marker = seed.seed == report.summary.bestSeed ? " ★" : ""
            lines.append("| \(seed.seed)\(marker) | \(seed.steps)\(seed.stoppedEarly ? " (early stop)" : "") | \(keptSteps(seed)) | "
                         + values.joined(separator: " | ") + " | \(String(format: "%.0f", seed.trainTokensPerSecond)) |")
        }
        let summary = present.compactMap { column in
            column.statistic.map { format($0.mean) + ($0.std.map { " ± " + format($0) } ?? "") }
        }
        lines.append("| mean ± std | | | " + summary.joined(separator: " | ") + " | |")
        return lines
    }

    /// Which prompt was exported, and why.
    static func exported(_ report: RunReport) -> String {
        let chosen = "seed \(report.summary.bestSeed) (\(choice(report)))"
        if report.summary.exported == .manualTemplate {
            let test = report.baselines.manual.test.map { ", test " + $0.listed } ?? ""
            let prompt = report.crossValidation?.judged ?? report.seeds.first { $0.seed == report.summary.bestSeed }?.dev
            let reason = prompt.flatMap { prompt in report.baselines.manual.dev.flatMap { ManualFallbackReason(prompt: prompt, manual: $0) } }
            let led = if case .leadWithinNoise = reason { true } else { false }
            let noise = "by too little to tell from the noise of the dev records, with a higher log-loss"
            let beaten = report.crossValidation.map {
                "the seeds' prompts, each on its own fold, \(led ? "led it together \(noise)" : "did not score above it together") "
                + "(\(format($0.judged.primary)) at step \($0.peakStep ?? $0.bestStep), their best)\(test); the chosen seed is \(chosen)" }
                ?? (led ? "\(chosen) led it on dev \(noise)\(test)" : "no seed's prompt scored above it on dev, not even \(chosen)\(test)")
            return "The exported prompt is the manual template `\(report.baselines.manual.description)` with no prompt rows: "
                + "\(beaten). Set `manual_fallback = false` to export that seed's prompt anyway."
        }
        guard let refit = report.refit else { return "The exported prompt is the one of \(chosen)." }
        let best = report.crossValidation == nil ? "its best on dev" : "the folds' pooled step on dev"
        let passes = refit.matchedStep.map { " (as many passes as its first run made by step \($0), \(best))" } ?? ""
        let records = report.crossValidation == nil ? "train and the carved dev split" : "every fold"
        let mean = refit.result.averagedSteps.map { ", keeping the mean of its last \($0) steps' prompts" } ?? ""
        let again = "trained again on all \(refit.records) records (\(records)) for \(refit.result.steps) steps\(passes)\(mean)"
        let test = refit.result.test.map { ", test " + $0.listed } ?? ""
        if refit.exported { return "The exported prompt is that of \(chosen), \(again)\(test)." }
        let why = refit.check.flatMap { check in
            check.holds ? nil : "it fit \(check.records) of the records it trained on at \(format(check.refit.primary)), "
                + "below the \(format(check.heldOut.primary)) its first run scored on \(check.heldOut.count) it never trained on "
                + "by more than the \(format(check.tolerance)) such a figure moves by"
        } ?? "it carried warnings its first run did not"
        let refitTest = refit.result.test.map { "; the refit scored test " + $0.listed } ?? ""
        return "The exported prompt is the one of \(chosen): \(again), \(why)\(refitTest)."
    }

    /// Why the exported seed was chosen.
    static func choice(_ report: RunReport) -> String {
        if report.data.devSource == .none { return "no dev split to choose by" }
        let fold = report.data.devSource == .crossValidated ? " on its own fold" : ""
        if report.seeds.allSatisfy({ !$0.warnings.isEmpty }) { return "best\(fold) on dev; every seed has warnings" }
        if !fold.isEmpty { return "best on its own fold among the seeds without warnings" }
        return "best on dev among the seeds without warnings"
    }

    /// The dev split in words; `averaged`: whether the runs without one kept the mean of their last steps' prompts.
    static func devDescription(_ data: DataSummary, averaged: Bool) -> String {
        switch data.devSource {
        case .file: "\(data.dev) dev"
        case .carved: "\(data.dev) dev (carved from the training records)"
        case .none: averaged ? "no dev split (the mean of the last steps' prompts is kept, `tail_average`)"
            : "no dev split (the last step is kept)"
        case .crossValidated: "each dev once in \(data.folds ?? 0) folds (cross-validation: each seed trained on the "
            + "other folds)"
        }
    }

    /// What the prompt is compared with: the majority answer and the manual template.
    static func baselineTable(_ baselines: Baselines) -> [String] {
        var lines = ["Baselines on the same records (primary metric):", "",
                     "| baseline | dev | test |", "|---|---:|---:|"]
        for (name, baseline) in [("majority answer", baselines.majority), ("manual template", baselines.manual)] {
            let cells = [baseline.dev, baseline.test].map { $0.map { format($0.primary) } ?? "–" }
            let measured = baseline.dev != nil || baseline.test != nil
            lines.append("| \(name) " + (measured ? inline(baseline.description) : "(not measured)") + " | "
                         + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// One block character per bucket of values, low to high across the values' range; at most `width` characters.
    static func sparkline(_ values: [Double], width: Int = 40) -> String {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return "" }
        let buckets = min(width, finite.count)
        let means = (0..<buckets).map { b -> Double in
            let slice = finite[(b * finite.count / buckets)..<((b + 1) * finite.count / buckets)]
            return slice.reduce(0, +) / Double(slice.count)
        }
        return String(means.map { value in
            high - low < 1e-12 ? bars[0] : bars[min(bars.count - 1, Int((value - low) / (high - low) * Double(bars.count)))]
        })
    }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }

    /// Text made safe for a Markdown line: no line breaks, Markdown punctuation escaped.
    static func inline(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\n", "\r": out.append(" ")
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#": out += "\\\(character)"
            default: out.append(character)
            }
        }
        return out
    }
}
