import Tensor

/// The encoded splits of a task.
public struct TrainingData: Sendable {
    public var train: [EncodedExample]
    public var dev: [EncodedExample]
    public var test: [EncodedExample]
    /// Where the dev records came from.
    public var devSource: DevSource
    /// The dev and test records under the manual template, for the baseline; nil measures none.
    /// When cross-validating, its dev records are the training records (each is dev in its fold).
    public var manual: ManualTemplateData?
    /// When cross-validating (`DevSource.crossValidated`): the indices of `train` in each fold
    /// (`DevSplit.folds`). Each seed trains on all folds but one and is judged on that one; `dev`
    /// is then empty.
    public var folds: [[Int]]

    public init(train: [EncodedExample], dev: [EncodedExample], test: [EncodedExample],
                devSource: DevSource? = nil, manual: ManualTemplateData? = nil) {
        self.train = train
        self.dev = dev
        self.test = test
        self.devSource = devSource ?? (dev.isEmpty ? .none : .file)
        self.manual = manual
        folds = []
    }

    /// Every record of `train` dev once, in one of `folds` (indices into `train`); `manual`'s dev
    /// records are `train`'s under the manual template, in the same order.
    public init(train: [EncodedExample], folds: [[Int]], test: [EncodedExample], manual: ManualTemplateData?) {
        self.init(train: train, dev: [], test: test, devSource: .crossValidated, manual: manual)
        self.folds = folds
    }

    /// These records without the test split (the manual template's too): a run judged on dev alone,
    /// which measures nothing on test.
    public var withoutTest: TrainingData {
        var data = self
        data.test = []
        data.manual = manual.map { ManualTemplateData(encoder: $0.encoder, dev: $0.dev, test: []) }
        return data
    }

    /// Whether the run has records to choose by: a dev split or folds.
    public var hasDev: Bool { !dev.isEmpty || !folds.isEmpty }

    /// The records one seed trains on: `train`, or all but the largest fold.
    public var recordsPerSeed: Int { train.count - (folds.map(\.count).max() ?? 0) }

    /// The split sizes and the dev split's source, for the report.
    public var summary: DataSummary {
        DataSummary(train: train.count, dev: folds.isEmpty ? dev.count : train.count, test: test.count,
                    devSource: devSource, folds: folds.isEmpty ? nil : folds.count)
    }
}

/// Where a run's dev records came from.
public enum DevSource: String, Sendable, Codable, Equatable {
    /// The bundle's dev file.
    case file
    /// Carved from the bundle's training records (`DevSplit`).
    case carved
    /// No dev split: the mean of the last steps' prompts is kept (`TrainingSettings.tailAverage`), or the
    /// last step's.
    case none
    /// The training records dealt into folds, each seed judged on its own (`TrainingData.folds`).
    case crossValidated = "cross_validated"
}

/// The records of each split a run used.
public struct DataSummary: Sendable, Codable, Equatable {
    public var train: Int
    /// Cross-validated: every training record, each dev in its fold.
    public var dev: Int
    public var test: Int
    public var devSource: DevSource
    /// How many folds the training records were dealt into, when cross-validated.
    public var folds: Int?

    public init(train: Int, dev: Int, test: Int, devSource: DevSource, folds: Int? = nil) {
        self.train = train
        self.dev = dev
        self.test = test
        self.devSource = devSource
        self.folds = folds
    }

    enum CodingKeys: String, CodingKey {
        case train, dev, test, folds
        case devSource = "dev_source"
    }
}

/// What a whole run produced: every seed's result and the prompt table of the best seed.
public struct TrainingOutcome: Sendable {
    public var seeds: [SeedResult]
    /// [m, H] the kept prompt table of the best seed: the best dev primary metric among the seeds
    /// without warnings (among all seeds when every one has some), else the first seed.
    public var table: FloatBuffer
    public var bestSeed: UInt64
    /// The majority answer and manual template on the run's dev and test records.
    public var baselines: Baselines
    /// The settings the run used, with ptune's defaults filled in.
    public var settings: TrainingSettings
    public var data: DataSummary
    /// The chosen seed trained again on every record, when the settings asked for it.
    public var refit: RefitResult?
    /// The seeds' dev curves pooled over the folds, when cross-validated.
    public var crossValidation: CrossValidation?

    /// Set when the manual template is exported instead of a prompt (`TrainingSettings.manualFallback`),
    /// saying why; `table` is then empty.
    public var manualFallback: RunWarning?
    /// `notAboveBaseline` for the run as a whole, on the records it held out
    /// (`SeedDiagnosis.heldOutWarning`): carried by the exported prompt, refit or not.
    public var heldOutWarning: RunWarning?

    /// What was exported: the chosen seed's prompt, the refit's, or the manual template.
    public var exported: ExportedPrompt {
        if manualFallback != nil { return .manualTemplate }
        return refit?.exported == true ? .refit : .chosenSeed
    }

    /// The warnings of what was exported: a prompt's own (the refit's are on its training records), its
    /// verdict against the baselines the run's (`heldOutWarning`).
    public var warnings: [RunWarning] {
        let own: [RunWarning]
        switch exported {
        case .manualTemplate: return manualFallback.map { [$0] } ?? []
        case .refit: own = refit?.result.warnings ?? []
        case .chosenSeed: own = seeds.first { $0.seed == bestSeed }?.warnings ?? []
        }
        return own.filter { $0.kind != .notAboveBaseline } + (heldOutWarning.map { [$0] } ?? [])
    }
}

/// What a run exported as its prompt.
public enum ExportedPrompt: String, Sendable, Codable, Equatable {
    /// The prompt of the seed chosen on dev (`TrainingOutcome.bestSeed`).
    case chosenSeed = "chosen_seed"
    /// The chosen seed trained again on every record (`TrainingOutcome.refit`).
    case refit
    /// The manual template, no prompt rows: no prompt beat it on dev.
    case manualTemplate = "manual_template"
}

/// The chosen seed trained again, after the choice, on the training records and the carved dev
/// records together (`TrainingSettings.refit`).
public struct RefitResult: Sendable, Codable, Equatable {
    /// The run: its steps, loss curve, test metrics and warnings (it has no dev split).
    public var result: SeedResult
    /// The records it trained on.
    public var records: Int
    /// The chosen run's step whose passes over its training split the refit repeats over every
    /// record (`Trainer.refitSteps`); nil in reports written before the refit's steps were chosen so.
    public var matchedStep: Int?
    /// Its prompt and the chosen run's on the records it trained on; nil in reports written before
    /// the check.
    public var check: RefitCheck?
    /// Whether its prompt is the exported one: not when it carries a warning the chosen seed's run
    /// did not, or fits its records clearly worse than that run (`check`), in which case that run's
    /// prompt is exported.
    public var exported: Bool

    enum CodingKeys: String, CodingKey {
        case result, records, check, exported
        case matchedStep = "matched_step"
    }

    public init(result: SeedResult, records: Int, matchedStep: Int?, check: RefitCheck? = nil, exported: Bool) {
        self.result = result
        self.records = records
        self.matchedStep = matchedStep
        self.check = check
        self.exported = exported
    }
}
