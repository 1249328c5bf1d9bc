import Base
import Foundation
import LM
import PTuning
import Spool
import Tensor

/// One bundle trained end to end: load and check the bundle, load the model, encode the data, train
/// (resuming from checkpoints in the output folder), and write the outputs. `ptune train` runs it in
/// the foreground; the daemon's workers run the same code.
public struct TrainingRun {
    public let bundleDirectory: URL
    public private(set) var outputDirectory: URL
    /// Overrides the bundle's model.
    public let modelPath: String?
    /// Overrides the bundle's thread limit.
    public let threads: Int?
    public let resume: Bool
    /// Overrides the bundle's `training.precision`.
    public var precision: Precision? = nil
    /// Overrides the bundle's `training.recompute` when true.
    public var recompute = false
    /// The daemon's job id, for the report; nil from the command line.
    public var jobID: String? = nil
    /// How a bundle's `[search]` runs: every trial here, or (the daemon's search job) planned only.
    public var searchRole = SearchRole.whole
    /// Polled after every training step; true stops the run at a checkpoint (`TrainingInterrupted`).
    public var stopRequested: () -> Bool = { false }
    public let onEvent: (TrainingEvent) -> Void
    public let log: (String) -> Void

    /// `modelPath`, `threads`: instead of the bundle's; `resume`: continue from the checkpoints in
    /// `outputDirectory` (without it, checkpoints there are an error); `onEvent`: every training
    /// event; `log`: one line of progress text.
    public init(bundleDirectory: URL, outputDirectory: URL, modelPath: String?, threads: Int?, resume: Bool,
                onEvent: @escaping (TrainingEvent) -> Void, log: @escaping (String) -> Void) {
        self.bundleDirectory = bundleDirectory
        self.outputDirectory = outputDirectory
        self.modelPath = modelPath
        self.threads = threads
        self.resume = resume
        self.onEvent = onEvent
        self.log = log
    }

    /// What a finished run made: the outcome, the bundle it trained, the output files' names.
    public struct Result {
        /// The run's outcome; for a search, its winner's, when the winner trained in this process.
        public let outcome: TrainingOutcome?
        public let bundle: TaskBundle
        public let files: [String]
        /// A search's trials and winner.
        public var search: SearchReport? = nil
    }

    /// Trains the bundle and writes the outputs.
    public func run() throws -> Result {
        let startedAt = Date()
        let bundle = try BundleLoader.load(directory: bundleDirectory)
        Threads.set(threads ?? bundle.manifest.limits.threads)
        let checkpointDirectory = outputDirectory.appendingPathComponent("checkpoints")
        let started = [checkpointDirectory, SearchFolder(root: outputDirectory).trials].contains {
            !((try? FileManager.default.contentsOfDirectory(atPath: $0.path)) ?? []).isEmpty
        }
        if !resume, started {
            throw ActionableError("\(outputDirectory.path) holds checkpoints of an earlier run",
                           hint: "pass --resume to continue it, or choose another --out")
        }
        if let search = bundle.manifest.search {
            return try runSearch(search, bundle: bundle)
        }
        let (model, spec) = try loadModel(for: bundle)
        let (encoder, data) = try encoded(spec, bundle: bundle, model: model, foldsBy: spec)
        let outcome = try train(encoder, data: data, model: model, checkpoints: checkpointDirectory)
        let files = try writeOutputs(outcome: outcome, bundle: bundle, model: model, encoder: encoder, startedAt: startedAt)
        return Result(outcome: outcome, bundle: bundle, files: files)
    }

    /// The part of the bundle's `memory_mb` the keys and values of text before the first pseudo token
    /// may take: an eighth (`PrefixCache`).
    static let prefixCacheShare = 8

    /// Empties the model's `PrefixCache` and keeps in it the text before the first pseudo token of the
    /// training and dev records, which every epoch and evaluation runs again, when all of it fits (the
    /// test records run once a seed, and are not kept).
    private func keepPrefixes(of data: TrainingData, model: LanguageModel) {
        guard let cache = model.transformer.prefixCache else { return }
        cache.removeAll()
        let stopwatch = Stopwatch()
        let records = data.train + data.dev
        let result = model.transformer.keepPrefixes(of: records.map(\.inputs))
        guard result.texts > 0 else { return }
        if result.kept {
            log("kept the keys and values of \(result.texts) texts before the first pseudo token "
                + "(\(ByteCount(result.bytes)), " + String(format: "%.1f s)", stopwatch.seconds))
        } else {
            log("the keys and values of \(result.texts) texts before the first pseudo token would take "
                + "\(ByteCount(result.bytes)), more than an eighth of memory_mb (\(ByteCount(cache.byteLimit))): not kept, "
                + "so every step runs them; raise memory_mb to keep them")
        }
    }

    /// The model the bundle names (or `modelPath`), loaded with the run's precision with a
    /// `PrefixCache`, and the bundle's task with the run's overrides.
    func loadModel(for bundle: TaskBundle) throws -> (LanguageModel, TaskSpec) {
        let path = try modelPath ?? ModelResolution.resolve(bundle.manifest.model)
        log("loading \(path)")
        var spec = bundle.manifest.spec
        spec.training.precision = precision ?? spec.training.precision
        spec.training.recompute = recompute || spec.training.recompute
        let model = try LanguageModel.load(path: path, precision: spec.training.precision)
        model.transformer.recomputesActivations = spec.training.recompute
        model.transformer.prefixCache = PrefixCache(byteLimit: bundle.manifest.limits.memoryMB << 20 / Self.prefixCacheShare)
        return (model, spec)
    }

    /// This run writing its outputs into `directory` instead.
    func writing(to directory: URL) -> TrainingRun {
        var run = self
        run.outputDirectory = directory
        return run
    }

    /// `encoder`'s task, with its settings, trained on `data` (the records as `encoded` gave them for
    /// the same template) with `model`, checkpointed in (and resumed from) `checkpoints`.
    func train(_ encoder: ExampleEncoder, data: TrainingData, model: LanguageModel, checkpoints: URL) throws -> TrainingOutcome {
        let spec = encoder.spec
        log("\(data.train.count) training, " + (data.folds.isEmpty
                ? "\(data.dev.count) dev\(data.devSource == .carved ? " (carved from train)" : ""), "
                : "each dev once in \(data.folds.count) folds (cross-validation), ")
            + "\(data.test.count) test records; "
            + "\(spec.template.pseudoTokenCount) pseudo tokens\(spec.bos == true ? " (the text after the model's BOS token)" : ""), "
            + "encoder \(spec.encoder.kind.rawValue), "
            + "\(Threads.count) threads, \(spec.training.precision.rawValue) weights (\(spec.training.precision.kernel))"
            + (spec.training.recompute ? ", activations recomputed" : ""))
        keepPrefixes(of: data, model: model)
        let trainer = Trainer(model: model, encoder: encoder, data: data,
                              checkpoints: try CheckpointStore(directory: checkpoints), onEvent: onEvent)
        trainer.stopRequested = stopRequested
        return try trainer.run()
    }

    /// The encoder of `spec` and the bundle's records encoded by it (`encode`), cross-validated or not
    /// as they would be for `foldsBy`.
    func encoded(_ spec: TaskSpec, bundle: TaskBundle, model: LanguageModel,
                 foldsBy: TaskSpec) throws -> (ExampleEncoder, TrainingData) {
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        return (encoder, try encode(bundle, with: encoder, tokenizer: model.tokenizer, foldsBy: foldsBy))
    }

    /// Encodes all three splits, reporting every problem of all of them together. Without a dev
    /// split one is carved from the training records, or they are dealt into folds: the bundle's
    /// `folds`, else where a carved split would be too small to choose by (`DevSplit`); dev (each
    /// fold) and test are encoded under the manual template too, for the baseline. Whether to
    /// cross-validate is decided by the settings of `foldsBy` (a search's trials all by the
    /// bundle's own, so all are judged alike).
    private func encode(_ bundle: TaskBundle, with encoder: ExampleEncoder, tokenizer: BPETokenizer,
                        foldsBy: TaskSpec) throws -> TrainingData {
        var problems: [TaskProblem] = []
        func encoded(_ examples: [Example], by encoder: ExampleEncoder) -> [EncodedExample] {
            do {
                return try encoder.encode(examples)
            } catch {
                problems += error.problems
                return []
            }
        }
        let spec = encoder.spec
        let files = bundle.manifest.data
        var train = bundle.train
        var dev = bundle.dev
        var devSource: DevSource = dev.isEmpty ? .none : .file
        let stratum: ((Example) -> String?)? = spec.kind.stratifiesDevSplit ? { $0.fields[spec.labelField] } : nil
        let folds = files.dev != nil ? 1
            : files.folds ?? (files.crossValidate ? foldCount(foldsBy, records: train.count, fraction: files.devFraction) : 1)
        if files.dev == nil, folds == 1 {
            (train, dev) = DevSplit.carve(train, fraction: files.devFraction, label: stratum)
            if !dev.isEmpty { devSource = .carved }
        }
        let manual = manualTemplateData(spec: spec, dev: folds > 1 ? train : dev, test: bundle.test, tokenizer: tokenizer)
        let data = folds > 1
            ? TrainingData(train: encoded(train, by: encoder), folds: DevSplit.folds(train, count: folds, label: stratum),
                           test: encoded(bundle.test, by: encoder), manual: manual)
            : TrainingData(train: encoded(train, by: encoder), dev: encoded(dev, by: encoder),
                           test: encoded(bundle.test, by: encoder), devSource: devSource, manual: manual)
        if !problems.isEmpty { throw TaskProblems(problems) }
        return data
    }

    /// The folds `records` records are dealt into (`DevSplit.foldCount`): one per seed the run would
    /// have with a carved split, but 1 (carve) unless the trainer, resolving its settings for what
    /// one fold's seed trains on, arrives at as many seeds, so that every fold has a seed of its own.
    private func foldCount(_ spec: TaskSpec, records: Int, fraction: Double) -> Int {
        func seeds(training: Int) -> Int {
            spec.training.resolved(encoder: spec.encoder.kind, trainingExamples: training, hasDev: true).seeds.count
        }
        let folds = DevSplit.foldCount(of: records, fraction: fraction,
                                       seeds: seeds(training: records - DevSplit.size(of: records, fraction: fraction)))
        return folds > 1 && seeds(training: DevSplit.trainingRecords(of: records, folds: folds)) == folds ? folds : 1
    }

    /// Dev and test under the manual template; nil (with the reason in the log) when they do not
    /// encode under it, which never stops the run.
    private func manualTemplateData(spec: TaskSpec, dev: [Example], test: [Example],
                                    tokenizer: BPETokenizer) -> ManualTemplateData? {
        do {
            let encoder = try ExampleEncoder(spec: spec.manualOnly, tokenizer: tokenizer)
            return ManualTemplateData(encoder: encoder, dev: try encoder.encode(dev), test: try encoder.encode(test))
        } catch {
            log("no manual-template baseline: \(error.problems.first?.description ?? "its records do not encode")")
            return nil
        }
    }
}
