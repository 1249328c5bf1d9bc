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
        let context = RunContext(encoder: encoder, model: identity,
                                 bundle: BundleIdentity(name: bundle.manifest.name, sha256: try BundleDigest.sha256(of: bundle.root)),
                                 jobID: jobID, startedAt: startedAt, finishedAt: Date(), threads: Threads.count,
                                 peakRSSMegabytes: ResourceUsage.peakRSSMegabytes)
        return try RunOutputs.write(outcome: outcome, context: context, to: outputDirectory)
    }
}
