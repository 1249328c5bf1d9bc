import Foundation
import LM
import PTuning
import Spool
import Tensor

/// One bundle trained end to end: load and check the bundle, load the model, encode the data, train
/// (resuming from checkpoints in the output folder), and write the outputs. `ptune train` runs it in
/// the foreground; the daemon's workers run the same code.
struct TrainingRun {
    let bundleDirectory: URL
    let outputDirectory: URL
    /// Overrides the bundle's model.
    let modelPath: String?
    /// Overrides the bundle's thread limit.
    let threads: Int?
    let resume: Bool
    /// Overrides the bundle's `training.precision`.
    var precision: Precision? = nil
    /// Overrides the bundle's `training.recompute` when true.
    var recompute = false
    /// The daemon's job id, for the report; nil from the command line.
    var jobID: String? = nil
    /// Polled after every training step; true stops the run at a checkpoint (`TrainingInterrupted`).
    var stopRequested: () -> Bool = { false }
    let onEvent: (TrainingEvent) -> Void
    let log: (String) -> Void

    struct Result {
        let outcome: TrainingOutcome
        let bundle: TaskBundle
        let files: [String]
    }

    func run() throws -> Result {
        let startedAt = Date()
        let bundle = try BundleLoader.load(directory: bundleDirectory)
        let manifest = bundle.manifest
        Threads.set(threads ?? manifest.limits.threads)
        let checkpointDirectory = outputDirectory.appendingPathComponent("checkpoints")
        if !resume, let existing = try? FileManager.default.contentsOfDirectory(atPath: checkpointDirectory.path),
           !existing.isEmpty {
            throw CLIError("\(outputDirectory.path) holds checkpoints of an earlier run",
                           hint: "pass --resume to continue it, or choose another --out")
        }
        let path = try modelPath ?? ModelResolution.resolve(manifest.model)
        log("loading \(path)")
        var spec = manifest.spec
        spec.training.precision = precision ?? spec.training.precision
        try spec.training.precision.checkSupported()
        spec.training.recompute = recompute || spec.training.recompute
        let model = try LanguageModel.load(path: path, precision: spec.training.precision)
        model.transformer.recomputesActivations = spec.training.recompute
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let data = try encode(bundle, with: encoder)
        log("\(data.train.count) training, \(data.dev.count) dev, \(data.test.count) test records; "
            + "\(manifest.spec.template.pseudoTokenCount) pseudo tokens, encoder \(manifest.spec.encoder.kind.rawValue), "
            + "\(Threads.count) threads, \(spec.training.precision.rawValue) weights"
            + (spec.training.recompute ? ", activations recomputed" : ""))
        let trainer = Trainer(model: model, encoder: encoder, data: data,
                              checkpoints: try CheckpointStore(directory: checkpointDirectory), onEvent: onEvent)
        trainer.stopRequested = stopRequested
        let outcome = try trainer.run()
        let files = try writeOutputs(outcome: outcome, bundle: bundle, model: model, encoder: encoder, startedAt: startedAt)
        return Result(outcome: outcome, bundle: bundle, files: files)
    }

    /// Encodes all three splits, reporting every problem of all of them together.
    private func encode(_ bundle: TaskBundle, with encoder: ExampleEncoder) throws -> TrainingData {
        var problems: [TaskProblem] = []
        func encoded(_ examples: [Example]) -> [EncodedExample] {
            do {
                return try encoder.encode(examples)
            } catch {
                problems += error.problems
                return []
            }
        }
        let data = TrainingData(train: encoded(bundle.train), dev: encoded(bundle.dev), test: encoded(bundle.test))
        if !problems.isEmpty { throw TaskProblems(problems) }
        return data
    }
}
