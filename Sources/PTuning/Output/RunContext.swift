import Foundation
import LM

/// The model a run trained against, as the report and the exports name it.
public struct ModelIdentity: Sendable, Equatable {
    /// A short name, e.g. "SmolLM2-135M-Instruct"; PEFT's `base_model_name_or_path`.
    public var name: String
    /// Where the model file or folder was read from.
    public var path: String
    /// SHA-256 of the model file, 64 lowercase hex digits.
    public var sha256: String
    public var config: DecoderConfig

    public init(name: String, path: String, sha256: String, config: DecoderConfig) {
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.config = config
    }
}

/// The task bundle a run came from.
public struct BundleIdentity: Sendable, Equatable {
    public var name: String
    /// SHA-256 over the bundle's files, when the caller computed one.
    public var sha256: String?

    public init(name: String, sha256: String? = nil) {
        self.name = name
        self.sha256 = sha256
    }
}

/// Everything the outputs of a finished run need beyond the `TrainingOutcome`.
public struct RunContext: Sendable {
    public var spec: TaskSpec
    public var model: ModelIdentity
    public var bundle: BundleIdentity
    /// The daemon's job id; nil for a run started from the command line.
    public var jobID: String?
    /// The whitespace the template moves into each target (see `ExampleEncoder.targetPrefix`).
    public var targetPrefix: String
    /// The tokens answers were scored among (`ExampleEncoder.answerTokens`).
    public var answerTokens: [Int]?
    public var startedAt: Date
    public var finishedAt: Date
    /// Worker threads the run used.
    public var threads: Int
    /// Peak resident set size of the process, in MB.
    public var peakRSSMegabytes: Double
    /// What the model's `PrefixCache` did; nil without one, or when no pass had text before a pseudo token.
    public var prefixCache: RunReport.PrefixCacheUse?

    public init(spec: TaskSpec, model: ModelIdentity, bundle: BundleIdentity, jobID: String? = nil,
                targetPrefix: String, answerTokens: [Int]? = nil,
                startedAt: Date, finishedAt: Date, threads: Int, peakRSSMegabytes: Double) {
        self.spec = spec
        self.model = model
        self.bundle = bundle
        self.jobID = jobID
        self.targetPrefix = targetPrefix
        self.answerTokens = answerTokens
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.threads = threads
        self.peakRSSMegabytes = peakRSSMegabytes
    }

    /// A context whose spec, target prefix and answer tokens come from the encoder the run used.
    public init(encoder: ExampleEncoder, model: ModelIdentity, bundle: BundleIdentity, jobID: String? = nil,
                startedAt: Date, finishedAt: Date, threads: Int, peakRSSMegabytes: Double) {
        self.init(spec: encoder.spec, model: model, bundle: bundle, jobID: jobID, targetPrefix: encoder.targetPrefix,
                  answerTokens: encoder.answerTokens,
                  startedAt: startedAt, finishedAt: finishedAt, threads: threads, peakRSSMegabytes: peakRSSMegabytes)
    }

    /// The width of the encoder's hidden layer: the configured one, or the model width for 0.
    var effectiveEncoderHiddenSize: Int {
        spec.encoder.hiddenSize(modelWidth: model.config.hiddenSize)
    }
}
