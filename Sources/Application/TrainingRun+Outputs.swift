import Base
import Foundation
import LM
import PTuning
import Spool
import Tensor

extension TrainingRun {
    /// Writes report.json, report.md, loss.svg, prompt.safetensors and adapter/ into the output
    /// folder and returns their names.
    func writeOutputs(outcome: TrainingOutcome, bundle: TaskBundle, model: LanguageModel,
                      encoder: ExampleEncoder, startedAt: Date) throws -> [String] {
        let identity = ModelIdentity(name: model.name, path: model.path, sha256: model.sha256,
                                     config: model.transformer.config)
        var context = RunContext(encoder: encoder, model: identity,
                                 bundle: BundleIdentity(name: bundle.manifest.name, sha256: try BundleDigest.sha256(of: bundle.root)),
                                 jobID: jobID, startedAt: startedAt, finishedAt: Date(), threads: Threads.count,
                                 peakRSSMegabytes: ResourceUsage.peakRSSMegabytes)
        context.prefixCache = model.transformer.prefixCache.flatMap(Self.use(of:))
        return try RunOutputs.write(outcome: outcome, context: context, to: outputDirectory)
    }

    /// The cache's figures for the report; nil when no pass had text before a pseudo token.
    private static func use(of cache: PrefixCache) -> RunReport.PrefixCacheUse? {
        guard cache.passesReusing + cache.passesComputing > 0 else { return nil }
        func megabytes(_ bytes: Int) -> Double { (Double(bytes) / 1_048_576 * 10).rounded() / 10 }
        return RunReport.PrefixCacheUse(texts: cache.count, megabytes: megabytes(cache.byteCount),
                                        limitMegabytes: megabytes(cache.byteLimit),
                                        passesReused: cache.passesReusing, passesComputed: cache.passesComputing)
    }
}
