import Base
import Foundation
import Tensor

/// Writes everything a finished run leaves behind, into one folder.
public enum RunOutputs {
    public static let reportJSON = "report.json"
    public static let reportMarkdown = "report.md"
    public static let lossChart = "loss.svg"
    public static let prompt = "prompt.safetensors"
    public static let adapterFolder = "adapter"

    /// Writes `prompt.safetensors`, `adapter/` (PEFT), `loss.svg`, `report.md` and, last, `report.json`,
    /// each file atomically, creating `directory` if needed. Returns the names written, relative to
    /// `directory`, in that order. When the manual template is exported, `prompt.safetensors` holds it
    /// with no rows and there is no adapter (PEFT needs at least one virtual token).
    @discardableResult
    public static func write(outcome: TrainingOutcome, context: RunContext, to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let spec = context.spec
        let manual = outcome.exported == .manualTemplate
        let promptFile = PromptFile(table: outcome.table, spec: manual ? spec.manualOnly : spec,
                                    hiddenSize: context.model.config.hiddenSize, targetPrefix: context.targetPrefix,
                                    modelName: context.model.name, modelSHA256: context.model.sha256)
        try promptFile.write(to: directory.appendingPathComponent(prompt).path)

        let adapterFiles = manual ? []
            : try PeftAdapter.write(table: outcome.table, embeddingScale: context.model.config.embeddingScale,
                                    config: PeftAdapter.Config(context: context),
                                    to: directory.appendingPathComponent(adapterFolder))
        let outputs = [prompt] + adapterFiles.map { "\(adapterFolder)/\($0)" } + [lossChart, reportMarkdown, reportJSON]
        let report = RunReport(outcome: outcome, context: context, outputs: outputs)

        let metricName = "dev " + spec.kind.primaryMetric.label
        let chart = LossChart.svg(seeds: outcome.seeds, kept: outcome.bestSeed, title: "\(spec.name): training loss and \(metricName)",
                                  metricName: metricName)
        try AtomicFile.write(Data(chart.utf8), to: directory.appendingPathComponent(lossChart).path)
        try AtomicFile.write(Data(ReportMarkdown.render(report).utf8), to: directory.appendingPathComponent(reportMarkdown).path)
        try AtomicFile.write(try report.jsonData(), to: directory.appendingPathComponent(reportJSON).path)
        return outputs
    }
}
