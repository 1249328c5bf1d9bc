import Tensor

/// The prompt encoder that produces the pseudo-token table.
public enum EncoderKind: String, Sendable, Equatable, CaseIterable {
    /// The authors' encoder: embedding table -> 2-layer bidirectional LSTM -> Linear, ReLU, Linear.
    case lstm
    /// The embedding table through Linear, ReLU, Linear.
    case mlp
    /// The embedding table itself.
    case none
}

public struct EncoderSettings: Sendable, Equatable {
    public var kind: EncoderKind
    /// Width of the LSTM state (per direction: half of it) and of the MLP's hidden layer; 0 = the model width.
    public var hiddenSize: Int
    /// For `none`: start the table from the embeddings of this text's tokens (repeated to fill m rows).
    public var initText: String?
    /// For `none`, instead of `initText`: start the table from the embeddings of these token ids
    /// (repeated to fill m rows), for starts that no text encodes to.
    public var initTokenIDs: [Int]?

    public init(kind: EncoderKind = .none, hiddenSize: Int = 0, initText: String? = nil, initTokenIDs: [Int]? = nil) {
        self.kind = kind
        self.hiddenSize = hiddenSize
        self.initText = initText
        self.initTokenIDs = initTokenIDs
    }

    /// The width of the encoder's hidden layer for a model `modelWidth` wide: `hiddenSize`, or for 0
    /// the model width, which `lstm` rounds up to even (its two directions take half each).
    public func hiddenSize(modelWidth: Int) -> Int {
        guard hiddenSize == 0 else { return hiddenSize }
        return kind == .lstm ? modelWidth + modelWidth % 2 : modelWidth
    }

    /// Whether the LSTM encoder can take `hiddenSize`: it splits it between its two directions, so a
    /// width given must be even (0 takes the model width rounded up to even).
    public var lstmCanSplitHiddenSize: Bool { hiddenSize % 2 == 0 }
}

public enum OptimizerKind: String, Sendable, Equatable, CaseIterable {
    /// Adam with L2 weight decay added to the gradient (PyTorch's Adam, the authors' choice).
    case adam
    /// Adam with decoupled weight decay (PyTorch's AdamW).
    case adamw
}

public enum ScheduleKind: String, Sendable, Equatable, CaseIterable {
    case constant
    /// Linear warm-up over `warmupSteps`, then linear decay to zero at the last step.
    case linear
    /// The authors' schedule: the rate times `epochDecay` after every epoch.
    case epochDecay = "epoch_decay"
}

/// A training setting that ptune chooses from the task and its data unless the bundle sets it
/// (`TrainingDefaults` holds the rules).
public enum AutomaticSetting: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// `epochs` / `max_steps`: the steps one seed runs.
    case steps
    case learningRate = "learning_rate"
    case seeds
    case evalEvery = "eval_every"
}

public struct TrainingSettings: Sendable, Equatable {
    /// The settings still to be chosen by `TrainingDefaults`: each leaves this set when it is assigned.
    public var automatic = Set(AutomaticSetting.allCases)
    /// Passes over the training split; ignored when `maxSteps` is set.
    public var epochs: Int = 3 { didSet { automatic.remove(.steps) } }
    public var maxSteps: Int? { didSet { automatic.remove(.steps) } }
    public var batchSize: Int = 8
    public var evalBatchSize: Int = 16
    public var learningRate: Float = 3e-3 { didSet { automatic.remove(.learningRate) } }
    public var weightDecay: Float = 0
    public var optimizer: OptimizerKind = .adamw
    public var schedule: ScheduleKind = .constant
    public var warmupSteps: Int = 0
    public var epochDecay: Float = 0.98
    /// Global gradient-norm clipping; nil = none.
    public var clipNorm: Float? = 1.0
    /// Each seed is one full run; the report gives mean and std over them.
    public var seeds: [UInt64] = [13] { didSet { automatic.remove(.seeds) } }
    /// Evaluate on dev every this many steps (0 = at the end of each epoch).
    public var evalEvery: Int = 0 { didSet { automatic.remove(.evalEvery) } }
    /// Stop after this many evaluations without a dev gain (0 = never stop early).
    public var patience: Int = 0
    /// Write a checkpoint every this many steps (0 = at each evaluation).
    public var checkpointEvery: Int = 0
    /// Longest input in tokens; longer inputs are cut from the end of the longest field.
    public var maxLength: Int = 256
    /// The `maxLength` a bundle or a prompt file may give.
    public static let maxLengthRange = 8...65_536
    /// How the frozen model's weight matrices are stored and multiplied.
    public var precision: Precision = .fp32
    /// Keep only each layer's input in the forward pass and recompute the rest during backward: far
    /// less activation memory for long inputs, about 40% more work per step.
    public var recompute = false
    /// With a dev split carved from train (or folds): once the seeds are chosen, train the chosen seed
    /// again on every record (the carved ones too) and export that prompt.
    public var refit = true
    /// Without a dev split to choose a step (a refit, or a run given none): keep the mean of the prompt
    /// tables after each of this fraction of the run's last steps (tail averaging) instead of the last
    /// step's table alone, which a constant rate leaves wherever its last batches sent it; 0 keeps the
    /// last step's.
    public var tailAverage = 0.25
    /// The `tailAverage` a bundle may give.
    public static let tailAverageRange = 0.0...1.0
    /// With a dev split: when no seed's prompt clearly beats the manual template on dev
    /// (`ManualFallbackReason`), export the manual template (no prompt rows) instead.
    public var manualFallback = true

    public init() {}
}

/// Everything the trainer needs to know about a task, independent of where it came from.
public struct TaskSpec: Sendable, Equatable {
    public var name: String
    public var kind: any TaskKind
    public var template: Template
    /// The record field holding the label (classify, choice) or the target text (fill).
    public var labelField: String
    public var encoder: EncoderSettings
    public var training: TrainingSettings
    /// The words-only prompt the P-tuned one is compared with; nil = `template` without its pseudo tokens.
    public var manualTemplate: Template?
    /// Whether the template's text begins with the model's BOS token (after the pseudo tokens the
    /// template begins with: `ExampleEncoder`); nil = as the model file says
    /// (`BPETokenizer.addBOS`). `ExampleEncoder` resolves it, so the spec a run reports and exports
    /// always holds the value it trained with.
    public var bos: Bool?

    public init(name: String, kind: any TaskKind, template: Template, labelField: String,
                encoder: EncoderSettings = EncoderSettings(), training: TrainingSettings = TrainingSettings(),
                manualTemplate: Template? = nil, bos: Bool? = nil) {
        self.name = name
        self.kind = kind
        self.template = template
        self.labelField = labelField
        self.encoder = encoder
        self.training = training
        self.manualTemplate = manualTemplate
        self.bos = bos
    }

    /// The manual baseline's template: `manualTemplate`, or the template without its pseudo tokens.
    public var baselineTemplate: Template { manualTemplate ?? template.withoutPseudoTokens }

    /// This task with its manual template in place of the P-tuning one: what is exported when no
    /// prompt clearly beat the manual template.
    public var manualOnly: TaskSpec {
        var spec = self
        spec.template = baselineTemplate
        spec.manualTemplate = nil
        return spec
    }

    public static func == (a: TaskSpec, b: TaskSpec) -> Bool {
        a.name == b.name && a.kind.isSame(as: b.kind) && a.template == b.template && a.labelField == b.labelField
            && a.encoder == b.encoder && a.training == b.training && a.manualTemplate == b.manualTemplate
            && a.bos == b.bos
    }
}

/// One data record: field values by name, and where it came from (for error messages).
public struct Example: Sendable, Equatable {
    public var fields: [String: String]
    /// "train.jsonl:17"
    public var source: String

    public init(fields: [String: String], source: String) {
        self.fields = fields
        self.source = source
    }
}
