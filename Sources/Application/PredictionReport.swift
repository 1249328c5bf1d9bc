import Base
import Foundation
import PTuning

/// report.json of a prediction job (docs/REPORT.md, "Prediction jobs").
public struct PredictionReport: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion = currentSchemaVersion
    /// Always "predict", to tell this report from a training run's.
    public var kind = BundleKind.prediction
    public var job: RunReport.Job
    public var prompt: Prompt
    public var model: Model
    public var data: DataSummary
    /// Over every record, when each carries its label; nil otherwise.
    public var metrics: Metrics?
    public var timing: Timing
    public var resources: RunReport.Resources
    public var outputs: [String]

    public enum BundleKind: String, Codable, Sendable, Equatable {
        case prediction = "predict"
    }

    /// The prompt used and the task it answers.
    public struct Prompt: Codable, Sendable, Equatable {
        /// The bundle's `[prompt]`, e.g. "job sst2@latest" or "file prompt.safetensors".
        public var source: String
        /// Of the prompt file's bytes: which prompt answered, whatever `source` names now.
        public var sha256: String
        public var task: String
        public var taskKind: String
        public var template: String
        public var pseudoTokens: Int

        enum CodingKeys: String, CodingKey {
            case source, sha256, task, template
            case taskKind = "task_kind"
            case pseudoTokens = "pseudo_tokens"
        }
    }

    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        public var sha256: String
        public var precision: String
    }

    public struct DataSummary: Codable, Sendable, Equatable {
        public var input: String
        public var records: Int
        public var labelled: Bool
    }

    /// The last attempt's figures: a resumed attempt predicts only the records after `resumed_after`.
    public struct Timing: Codable, Sendable, Equatable {
        public var startedAt: String
        public var finishedAt: String
        public var wallSeconds: Double
        /// Records predicted by earlier attempts, skipped by this one.
        public var resumedAfter: Int
        /// Records this attempt predicted per second of prediction (model loading excluded).
        public var recordsPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case wallSeconds = "wall_seconds"
            case resumedAfter = "resumed_after"
            case recordsPerSecond = "records_per_second"
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, job, prompt, model, data, metrics, timing, resources, outputs
        case schemaVersion = "schema_version"
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// A short Markdown page for people.
    public var markdown: String {
        var lines = ["# \(job.bundleName): predictions", "",
                     "- prompt: \(prompt.source), sha256 \(prompt.sha256.prefix(12))… (task \(prompt.task), \(prompt.taskKind), template `\(prompt.template)`)",
                     "- model: \(model.name) (sha256 \(model.sha256.prefix(12))…, \(model.precision))",
                     "- records: \(data.records) from \(data.input), one line each in predictions.jsonl",
                     "- \(String(format: "%.1f", timing.recordsPerSecond)) records/s on \(resources.threads) threads"
                        + (timing.resumedAfter > 0 ? ", resumed after record \(timing.resumedAfter)" : "")]
        if let metrics {
            lines.append("- metrics over every record: " + metrics.values.names.map {
                "\($0.rawValue) \(String(format: "%.4f", metrics.values[$0] ?? 0))"
            }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
