import Foundation
import LM
@testable import PTuning
import Tensor
import Testing

/// The manual template exported in place of a prompt that does not beat it on dev
/// (`TrainingSettings.manualFallback`).
struct ManualFallbackTests {
    /// The tiny task with a carved dev split and a manual baseline whose dev answers are what the
    /// manual template itself predicts, so it scores 1.0 on dev; the prompt trains on the same
    /// sentences with the other answer, so it cannot match that.
    func outcome(manualFallback: Bool) throws -> TrainingOutcome {
        var spec = TinyTask.classifySpec(encoder: .none, steps: 4)
        spec.training.seeds = [3, 4]
        spec.training.manualFallback = manualFallback
        let model = try TinyTask.model()
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let manualEncoder = try ExampleEncoder(spec: spec.manualOnly, tokenizer: model.tokenizer)
        let dev = TinyTask.examples(6, file: "dev.jsonl")
        let predicted = Evaluator(model: model, encoder: manualEncoder)
            .predict(try manualEncoder.encode(dev), table: FloatBuffer(count: 0), batchSize: 8)
        let agreeing = zip(dev, predicted).map { example, prediction in
            var example = example
            example.fields["label"] = prediction.predicted
            return example
        }
        let contrary = agreeing.map { example in
            var example = example
            example.fields["label"] = example.fields["label"] == "1" ? "0" : "1"
            return example
        }
        var data = try TinyTask.data(encoder)
        data.train = try encoder.encode(contrary + contrary)
        data.dev = try encoder.encode(agreeing)
        data.devSource = .carved
        data.manual = ManualTemplateData(encoder: manualEncoder, dev: try manualEncoder.encode(agreeing),
                                         test: try manualEncoder.encode(TinyTask.examples(6, file: "test.jsonl")))
        return try Trainer(model: model, encoder: encoder, data: data, checkpoints: nil).run()
    }

    @Test func aManualTemplateNoPromptBeatsOnDevIsExportedWithoutARefit() throws {
        let outcome = try outcome(manualFallback: true)
        #expect(outcome.baselines.manual.dev?.primary == 1)
        #expect(outcome.seeds.map(\.seed) == [3, 4], "every seed still trains and is reported")
        #expect(outcome.exported == .manualTemplate)
        #expect(outcome.table.count == 0)
        #expect(outcome.refit == nil, "no refit of a prompt that is not exported")
        #expect(outcome.warnings.map(\.kind) == [.manualTemplateExported])
    }

    @Test func withTheFallbackOffTheChosenPromptIsStillExported() throws {
        let outcome = try outcome(manualFallback: false)
        #expect(outcome.exported == .refit)
        #expect(outcome.table.count == 3 * (try TinyTask.model()).transformer.config.hiddenSize, "three pseudo tokens")
        #expect(!outcome.warnings.contains { $0.kind == .manualTemplateExported })
    }
}
