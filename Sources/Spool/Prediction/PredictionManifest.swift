import PTuning
import Tensor

/// The parsed `task.toml` of a prediction bundle (`kind = "predict"`): which trained prompt answers
/// which records.
public struct PredictionManifest: Sendable, Equatable {
    /// The job's name (`name`), as for training bundles.
    public var name: String
    /// The model (`model`) as written; nil: the model the prompt was trained against.
    public var model: String?
    /// Where the prompt comes from (`[prompt]`).
    public var prompt: PromptSource
    /// The records to answer, relative to the bundle (`[data] input`; default `input.jsonl`).
    public var input: String
    /// How `input` is written (`[data] format`; by default `tsv` when it ends in `.tsv`).
    public var format: DataFormat
    /// Records per model call, and per batch written to predictions.jsonl (`[predict] batch_size`).
    public var batchSize: Int
    /// How the model's weight matrices are stored (`[predict] precision`).
    public var precision: Precision
    public var limits: JobLimits
    /// The jobs it waits for and whom its end is told.
    public var links = JobLinks()

    public init(name: String, model: String? = nil, prompt: PromptSource, input: String, format: DataFormat = .jsonl,
                batchSize: Int = 16, precision: Precision = .fp32, limits: JobLimits = JobLimits()) {
        self.name = name
        self.model = model
        self.prompt = prompt
        self.input = input
        self.format = format
        self.batchSize = batchSize
        self.precision = precision
        self.limits = limits
    }
}

/// The trained prompt a prediction bundle names.
public enum PromptSource: Sendable, Equatable, CustomStringConvertible {
    /// A job in the daemon's history: its id, a unique id prefix, or `NAME@latest` (the newest
    /// succeeded training job of that name submitted by the same user).
    case job(String)
    /// A `prompt.safetensors` inside the bundle.
    case file(String)
    /// One task's prompt in a prompt table inside the bundle (`ptune export --table`).
    case table(file: String, task: String)

    public var description: String {
        switch self {
        case .job(let reference): "job \(reference)"
        case .file(let path): "file \(path)"
        case let .table(file, task): "task \(task) of the table \(file)"
        }
    }

    /// The task name of a `NAME@latest` reference; nil for an id or id prefix.
    public static func latestName(_ reference: String) -> String? {
        reference.hasSuffix(latestSuffix) ? String(reference.dropLast(latestSuffix.count)) : nil
    }

    static let latestSuffix = "@latest"
}
