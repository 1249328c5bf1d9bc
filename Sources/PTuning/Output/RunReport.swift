import Base

/// The machine-readable record of a finished run, written as `report.json`. Keys are snake_case;
/// optional values are left out when they do not apply. docs/REPORT.md documents every field.
public struct RunReport: Codable, Sendable, Equatable {
    /// The version of this layout; readers should refuse versions they do not know.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var job: Job
    public var model: Model
    public var task: Task
    public var encoder: Encoder
    public var training: Training
    /// The records of each split and where the dev records came from.
    public var data: DataSummary
    /// The majority answer and the manual template on the same dev and test records.
    public var baselines: Baselines
    /// One entry per seed, in the order the seeds ran.
    public var seeds: [SeedResult]
    /// The chosen seed trained again on every record (train and the carved dev split, or every fold),
    /// when it was.
    public var refit: RefitResult?
    /// The folds' dev curves pooled, when the training records were cross-validated.
    public var crossValidation: CrossValidation?
    public var summary: Summary
    public var timing: Timing
    public var resources: Resources
    /// Files the run wrote, relative to the output folder (report.json included).
    public var outputs: [String]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case job, model, task, encoder, training, data, baselines, seeds, refit, summary, timing, resources, outputs
        case crossValidation = "cross_validation"
    }

    /// Which job and bundle produced the run.
    public struct Job: Codable, Sendable, Equatable {
        public var id: String?
        public var bundleName: String
        public var bundleSHA256: String?
        /// The ptune release that trained the run (``ProductVersion``); absent in reports written before it was recorded.
        public var ptuneVersion: String?

        public init(id: String?, bundleName: String, bundleSHA256: String?, ptuneVersion: String? = ProductVersion.current) {
            self.id = id
            self.bundleName = bundleName
            self.bundleSHA256 = bundleSHA256
            self.ptuneVersion = ptuneVersion
        }

        enum CodingKeys: String, CodingKey {
            case id
            case bundleName = "bundle_name"
            case bundleSHA256 = "bundle_sha256"
            case ptuneVersion = "ptune_version"
        }
    }

    /// The frozen model.
    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        public var sha256: String
        public var architecture: String
        public var hiddenSize: Int
        public var layers: Int
        public var attentionHeads: Int
        public var vocabSize: Int

        enum CodingKeys: String, CodingKey {
            case name, path, sha256, architecture, layers
            case hiddenSize = "hidden_size"
            case attentionHeads = "attention_heads"
            case vocabSize = "vocab_size"
        }
    }

    /// What was trained: kind, template and answers.
    public struct Task: Codable, Sendable, Equatable {
        public var name: String
        /// The task kind's name (`TaskKind.name`).
        public var kind: String
        /// The template as written.
        public var template: String
        /// m: the rows of the prompt table.
        public var pseudoTokens: Int
        /// Whether every pseudo token precedes all text (the shape a PEFT export reproduces exactly).
        public var prefixOnly: Bool
        /// Whether the template's text began with the model's BOS token (`TaskSpec.bos`, resolved).
        public var bos: Bool
        public var labelField: String
        /// The whitespace moved from the template into each target.
        public var targetPrefix: String
        /// classify: each label, its word and the scored token id.
        public var labelWords: [LabelWord]?
        /// fill: how many candidate tokens compete; absent when the whole vocabulary does.
        public var candidatesCount: Int?
        /// choice: the record fields holding the options.
        public var choiceFields: [String]?
        /// choice: the hinge-loss margin.
        public var choiceMargin: Double?

        enum CodingKeys: String, CodingKey {
            case name, kind, template
            case pseudoTokens = "pseudo_tokens"
            case prefixOnly = "prefix_only"
            case bos
            case labelField = "label_field"
            case targetPrefix = "target_prefix"
            case labelWords = "label_words"
            case candidatesCount = "candidates_count"
            case choiceFields = "choice_fields"
            case choiceMargin = "choice_margin"
        }
    }

    /// A classify label with its word and the token that scores it.
    public struct LabelWord: Codable, Sendable, Equatable {
        public var label: String
        public var word: String
        public var token: Int?
    }

    /// The prompt encoder.
    public struct Encoder: Codable, Sendable, Equatable {
        /// "lstm", "mlp" or "none".
        public var kind: String
        /// As configured; 0 means the model width.
        public var hiddenSize: Int
        /// The width actually used.
        public var effectiveHiddenSize: Int
        public var initText: String?
        public var initTokenIDs: [Int]?

        enum CodingKeys: String, CodingKey {
            case kind
            case hiddenSize = "hidden_size"
            case effectiveHiddenSize = "effective_hidden_size"
            case initText = "init_text"
            case initTokenIDs = "init_ids"
        }
    }

    /// Every training setting of the run.
    public struct Training: Codable, Sendable, Equatable {
        public var epochs: Int
        public var maxSteps: Int?
        public var batchSize: Int
        public var evalBatchSize: Int
        public var learningRate: Double
        public var weightDecay: Double
        public var optimizer: String
        public var schedule: String
        public var warmupSteps: Int
        public var epochDecay: Double
        public var clipNorm: Double?
        public var seeds: [UInt64]
        public var evalEvery: Int
        public var patience: Int
        public var checkpointEvery: Int
        public var maxLength: Int
        /// "fp32", "bf16" or "int8": how the model's weight matrices were stored and multiplied.
        public var precision: String
        /// What multiplied the weight matrices (`Precision.kernel`): "openblas-sgemm CORE" for fp32 (the
        /// OpenBLAS core whose kernels ran); for bf16 "amx-bf16", "avx512-bf16", "widened, openblas-sgemm
        /// CORE", or "avx2" or "portable" when asked for; for int8 its kernel and its backward's
        /// ("avx512-vnni, amx-bf16"). Nil in reports written before kernels were named.
        public var kernel: String?
        /// Whether activations were recomputed during backward instead of kept.
        public var recompute: Bool
        /// Whether the chosen seed trains again on every record when the dev split is carved or the
        /// records cross-validated.
        public var refit: Bool
        /// The fraction of a run's last steps whose prompt tables are averaged into the prompt it keeps
        /// when no dev split chooses a step (`SeedResult.averagedSteps`). Nil in reports written before
        /// the tables were averaged.
        public var tailAverage: Double?
        /// Whether the manual template is exported when no seed's prompt beats it on dev.
        public var manualFallback: Bool
        /// The settings ptune chose because the bundle left them out ("steps", "learning_rate",
        /// "seeds", "eval_every").
        public var automatic: [String]

        enum CodingKeys: String, CodingKey {
            case epochs, optimizer, schedule, seeds, patience, precision, kernel, recompute, refit, automatic
            case maxSteps = "max_steps"
            case batchSize = "batch_size"
            case evalBatchSize = "eval_batch_size"
            case learningRate = "learning_rate"
            case weightDecay = "weight_decay"
            case warmupSteps = "warmup_steps"
            case epochDecay = "epoch_decay"
            case clipNorm = "clip_norm"
            case evalEvery = "eval_every"
            case checkpointEvery = "checkpoint_every"
            case maxLength = "max_length"
            case manualFallback = "manual_fallback"
            case tailAverage = "tail_average"
        }
    }

    /// Mean and sample standard deviation of one metric over the seeds that report it.
    public struct Statistic: Codable, Sendable, Equatable {
        /// How many seeds contributed.
        public var n: Int
        public var mean: Double
        /// Sample standard deviation (n - 1 in the denominator); absent for a single seed.
        public var std: Double?
    }

    /// Statistics of each metric of one split.
    public typealias MetricSummary = MetricValues<Statistic>

    /// The seeds taken together.
    public struct Summary: Codable, Sendable, Equatable {
        public var seedCount: Int
        /// The seed chosen on dev, whose prompt table (or whose refit's) was exported.
        public var bestSeed: UInt64
        /// What `prompt.safetensors` holds: the chosen seed's prompt, the refit's, or the manual template.
        public var exported: ExportedPrompt
        public var dev: MetricSummary
        public var test: MetricSummary
        /// The exported prompt's warnings: empty when it looks sound. A seed with warnings is
        /// exported only when every seed has some.
        public var warnings: [RunWarning]

        enum CodingKeys: String, CodingKey {
            case dev, test, warnings, exported
            case seedCount = "seed_count"
            case bestSeed = "best_seed"
        }
    }

    /// When the run happened and how fast it trained.
    public struct Timing: Codable, Sendable, Equatable {
        /// ISO-8601, UTC, e.g. "2025-01-31T09:15:02Z".
        public var startedAt: String
        public var finishedAt: String
        public var wallSeconds: Double
        public var trainSeconds: Double
        public var evalSeconds: Double
        public var trainTokensPerSecondMean: Double

        enum CodingKeys: String, CodingKey {
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case wallSeconds = "wall_seconds"
            case trainSeconds = "train_seconds"
            case evalSeconds = "eval_seconds"
            case trainTokensPerSecondMean = "train_tokens_per_second_mean"
        }
    }
}
