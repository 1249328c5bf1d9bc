import Base
import Foundation
import LM
import PTuning
import Spool
import Tensor

/// One prediction bundle end to end: load and check it, load the prompt's model, and answer the
/// records a batch at a time into predictions.jsonl, resuming after the records an earlier attempt
/// wrote; then report.json and report.md. The daemon's workers run it for `kind = "predict"` bundles.
public struct PredictionRun {
    public let bundleDirectory: URL
    public let outputDirectory: URL
    /// Overrides the bundle's thread limit.
    public let threads: Int?
    /// The daemon's job id, for the report.
    public var jobID: String? = nil
    /// Polled after every batch; true stops the run there (`PredictionInterrupted`).
    public var stopRequested: () -> Bool = { false }
    /// Records done and in all, after every batch written.
    public let onProgress: (_ done: Int, _ total: Int) -> Void
    public let log: (String) -> Void

    public init(bundleDirectory: URL, outputDirectory: URL, threads: Int?,
                onProgress: @escaping (Int, Int) -> Void, log: @escaping (String) -> Void) {
        self.bundleDirectory = bundleDirectory
        self.outputDirectory = outputDirectory
        self.threads = threads
        self.onProgress = onProgress
        self.log = log
    }

    /// What a finished run made: its report and the output files' names.
    public struct Result {
        public let report: PredictionReport
        public let files: [String]
    }

    public func run() throws -> Result {
        let startedAt = Date()
        let resolved = outputDirectory.appendingPathComponent(PredictionBundle.promptFileName)
        let bundle = try PredictionBundleLoader.load(directory: bundleDirectory) { reference in
            guard FileManager.default.fileExists(atPath: resolved.path) else {
                throw ActionableError("the prompt of job \(reference) was not resolved",
                                      hint: "prediction bundles naming a job run through the daemon")
            }
            return try Data(contentsOf: resolved)
        }
        let manifest = bundle.manifest
        Threads.set(threads ?? manifest.limits.threads)
        let modelPath = try ModelResolution.resolve(bundle.model)
        log("loading \(modelPath)")
        let trained = try TrainedPrompt(prompt: bundle.prompt, modelPath: modelPath, precision: manifest.precision)
        // Every record encoded before the first is answered: one that cannot be fails the job now.
        let encoded = try trained.encoder.encode(bundle.records)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let (output, done) = try PredictionLog.open(in: outputDirectory, sources: bundle.records.map(\.source))
        let total = bundle.records.count
        log("\(total) records, \(done) already predicted; batches of \(manifest.batchSize), \(Threads.count) threads")
        let evaluator = Evaluator(model: trained.model, encoder: trained.encoder)
        var position = done
        let stopwatch = Stopwatch()
        while position < total {
            if stopRequested() { throw PredictionInterrupted(done: position, total: total) }
            let end = min(total, position + manifest.batchSize)
            try output.append(evaluator.predict(Array(encoded[position..<end]), table: trained.prompt.table,
                                                batchSize: manifest.batchSize))
            position = end
            onProgress(position, total)
        }
        let seconds = stopwatch.seconds
        try output.close()
        let metrics = bundle.labelled
            ? Metrics.of(try PredictionLog.read(output.url), kind: trained.prompt.spec.kind) : nil
        return try writeReport(bundle: bundle, trained: trained, metrics: metrics, resumedAfter: done,
                               recordsPerSecond: Double(total - done) / max(seconds, 1e-9), startedAt: startedAt)
    }

    private func writeReport(bundle: PredictionBundle, trained: TrainedPrompt, metrics: Metrics?, resumedAfter: Int,
                             recordsPerSecond: Double, startedAt: Date) throws -> Result {
        let spec = trained.prompt.spec
        let finishedAt = Date()
        let files = [PredictionLog.fileName, "report.md", "report.json"]
        let report = PredictionReport(
            job: .init(id: jobID, bundleName: bundle.manifest.name, bundleSHA256: try BundleDigest.sha256(of: bundle.root)),
            prompt: .init(source: bundle.manifest.prompt.description, sha256: bundle.promptSHA256, task: spec.name,
                          taskKind: spec.kind.name, template: spec.template.source,
                          pseudoTokens: spec.template.pseudoTokenCount),
            model: .init(name: trained.model.name, path: trained.model.path, sha256: trained.model.sha256,
                         precision: bundle.manifest.precision.rawValue),
            data: .init(input: bundle.manifest.input, records: bundle.records.count, labelled: bundle.labelled),
            metrics: metrics,
            timing: .init(startedAt: RunReport.timestamp(startedAt), finishedAt: RunReport.timestamp(finishedAt),
                          wallSeconds: finishedAt.timeIntervalSince(startedAt), resumedAfter: resumedAfter,
                          recordsPerSecond: recordsPerSecond),
            resources: .init(threads: Threads.count, peakRSSMB: ResourceUsage.peakRSSMegabytes),
            outputs: files)
        try AtomicFile.write(Data(report.markdown.utf8), to: outputDirectory.appendingPathComponent("report.md").path)
        try AtomicFile.write(try report.jsonData(), to: outputDirectory.appendingPathComponent("report.json").path)
        return Result(report: report, files: files)
    }
}

/// Thrown when `stopRequested` ended a prediction run between batches; the records written stay and
/// the next attempt continues after them.
public struct PredictionInterrupted: Error, CustomStringConvertible {
    public let done: Int
    public let total: Int
    public var description: String { "prediction stopped after \(done) of \(total) records; a resume continues from there" }
}
