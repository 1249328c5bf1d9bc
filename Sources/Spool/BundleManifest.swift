import PTuning

/// The parsed and validated `task.toml` of a task bundle.
public struct BundleManifest: Sendable, Equatable {
    /// The manifest format version (`schema`); only 1 exists.
    public var schema: Int
    /// The task's name (`name`): 1 to 64 of `A-Z a-z 0-9 . _ -`.
    public var name: String
    /// The model (`model`) as written: a name in the daemon's model directory or a path; not resolved here.
    public var model: String
    /// What the trainer needs: kind, template, label field, encoder and training settings.
    public var spec: TaskSpec
    /// Where the data splits are.
    public var data: DataFiles
    /// What the job may use.
    public var limits: JobLimits
    /// The jobs it waits for and whom its end is told.
    public var links: JobLinks
    /// The settings to search over (`[search]`), when the bundle is a search: each trial trains the
    /// bundle with one configuration, and the best on dev is the run's result.
    public var search: SearchSettings?

    public init(schema: Int = 1, name: String, model: String, spec: TaskSpec, data: DataFiles,
                limits: JobLimits = JobLimits(), links: JobLinks = JobLinks(), search: SearchSettings? = nil) {
        self.search = search
        self.schema = schema
        self.name = name
        self.model = model
        self.spec = spec
        self.data = data
        self.limits = limits
        self.links = links
    }
}

/// How data files are written.
public enum DataFormat: String, Sendable, Equatable, CaseIterable {
    /// JSON Lines: one JSON object per line; strings, numbers and booleans are read as text.
    case jsonl
    /// Tab-separated values: the first line names the fields; no quoting, no escapes.
    case tsv
}

/// The data splits of a bundle, as paths relative to its root (`[data]`).
public struct DataFiles: Sendable, Equatable {
    /// The training split (required, not empty).
    public var train: String
    /// The development split used for evaluation during training, when there is one.
    public var dev: String?
    /// The held-out test split, when there is one. Like every split it must be labelled.
    public var test: String?
    /// The format of every split (`format`; by default `tsv` when the train file ends in `.tsv`,
    /// else `jsonl`).
    public var format: DataFormat
    /// Without a dev split, the share of the training records carved off as one (`dev_fraction`,
    /// see `DevSplit`); 0 carves none.
    public var devFraction: Double
    /// Without a dev split, whether a training set too small for a carved split to choose by is
    /// cross-validated instead (`cross_validate`, see `DevSplit.foldCount`).
    public var crossValidate: Bool
    /// Without a dev split, the number of folds the training records are dealt into whatever their
    /// number (`folds`); nil leaves it to `crossValidate` and `DevSplit.foldCount`.
    public var folds: Int?

    public init(train: String, dev: String? = nil, test: String? = nil, format: DataFormat = .jsonl,
                devFraction: Double = DevSplit.defaultFraction, crossValidate: Bool = true, folds: Int? = nil) {
        self.train = train
        self.dev = dev
        self.test = test
        self.format = format
        self.devFraction = devFraction
        self.crossValidate = crossValidate
        self.folds = folds
    }
}
