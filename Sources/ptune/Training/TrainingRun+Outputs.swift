import Foundation
import LM
import PTuning
import Spool

extension TrainingRun {
    /// Writes the run's outputs into the output folder and returns their names.
    func writeOutputs(outcome: TrainingOutcome, bundle: TaskBundle, model: LanguageModel,
                      encoder: ExampleEncoder) throws -> [String] {
        let m = bundle.manifest.spec.template.pseudoTokenCount
        let H = model.transformer.config.hiddenSize
        try writeSafetensors(tensors: [SafetensorsTensor(name: "prompt_table", shape: [m, H], values: outcome.table)],
                             metadata: ["template": bundle.manifest.spec.template.source, "model_sha256": model.sha256],
                             to: outputDirectory.appendingPathComponent("prompt.safetensors").path)
        return ["prompt.safetensors"]
    }
}
