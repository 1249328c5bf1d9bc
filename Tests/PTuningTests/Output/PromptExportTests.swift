import Foundation
import LM
@testable import PTuning
import Tensor
import Testing

struct PromptExportTests {
    @Test(arguments: [
        ClassifyKind(labels: [LabelWord(label: "0", word: "bad"), LabelWord(label: "1", word: "great")]),
        FillKind(candidates: ["Paris", "Rome"]),
        FillKind(candidates: nil),
        ChoiceKind(fields: ["choice1", "choice2"], margin: 0.5),
    ] as [any TaskKind])
    func promptFileRoundTripsTableAndSpec(kind: any TaskKind) throws {
        let template = Template(parts: [.pseudo(count: 1), .text("Q: {{x}} "), .field("question"), .pseudo(count: 1),
                                        .text(" A:"), .target],
                                source: "[P]Q: {{{{x}}}} {question}[P] A:{target}")
        let spec = OutputFixtures.spec(name: "quiz", kind: kind, template: template)
        let folder = try OutputFixtures.folder()
        let outcome = OutputFixtures.outcome()
        try RunOutputs.write(outcome: outcome, context: OutputFixtures.context(spec: spec), to: folder)

        let file = try PromptFile.load(path: folder.appendingPathComponent("prompt.safetensors").path)
        #expect(file.table.array == outcome.table.array)
        #expect(file.spec.template == template)
        #expect(file.spec.kind.isSame(as: kind))
        #expect(file.spec.name == "quiz")
        #expect(file.spec.labelField == "label")
        #expect(file.spec.encoder == spec.encoder)
        #expect(file.spec.training.maxLength == 128)
        #expect(file.hiddenSize == 4)
        #expect(file.targetPrefix == " ")
        #expect(file.modelName == "tiny-llama")
        #expect(file.modelSHA256 == String(repeating: "ab", count: 32))

        let raw = try SafetensorsFile(path: folder.appendingPathComponent("prompt.safetensors").path)
        #expect(raw.tensorNames == ["prompt_table"])
        #expect(try raw.tensorInfo("prompt_table").shape == [2, 4])
        #expect(raw.metadata["format"] == "ptune-prompt")
        #expect(raw.metadata["format_version"] == "1")
        #expect(raw.metadata["pseudo_tokens"] == "2")
        let kindKeys = ["label_words", "candidates", "choice_fields", "choice_margin"]
        #expect(kindKeys.allSatisfy { raw.metadata[$0] != nil }, "format 1 has every kind's keys in every prompt file")
        #expect(raw.metadata["task_kind"] == kind.name)
    }

    /// A prompt trained after the model's BOS token is used after it again, and a file from before the
    /// `bos` key, whose prompts were all trained without it, is read as trained without it.
    @Test func whetherInputsBeginWithBOSTravelsWithThePrompt() throws {
        for bos in [true, false] {
            var spec = OutputFixtures.spec()
            spec.bos = bos
            let folder = try OutputFixtures.folder()
            try RunOutputs.write(outcome: OutputFixtures.outcome(), context: OutputFixtures.context(spec: spec), to: folder)
            let path = folder.appendingPathComponent("prompt.safetensors").path
            #expect(try PromptFile.load(path: path).spec.bos == bos)
            let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: folder.appendingPathComponent("report.json")))
            #expect(report.task.bos == bos)
            let markdown = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(markdown.contains("its text after the model's BOS token") == bos)

            let raw = try SafetensorsFile(path: path)
            #expect(raw.metadata["bos"] == String(bos))
            try writeSafetensors(tensors: [SafetensorsTensor(name: "prompt_table", shape: [2, 4], values: try raw.floats("prompt_table").array)],
                                 metadata: raw.metadata.filter { $0.key != "bos" }, to: path)
            #expect(try PromptFile.load(path: path).spec.bos == false)
        }
    }

    @Test func anExportedManualTemplateIsAPromptFileWithNoRowsAndNoAdapter() throws {
        let folder = try OutputFixtures.folder()
        var outcome = OutputFixtures.outcome()
        outcome.table = FloatBuffer(count: 0)
        outcome.manualFallback = RunWarning(kind: .manualTemplateExported, message: "no prompt beat it")
        let outputs = try RunOutputs.write(outcome: outcome, context: OutputFixtures.context(), to: folder)
        #expect(outputs == ["prompt.safetensors", "loss.svg", "report.md", "report.json"])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("adapter").path))

        let file = try PromptFile.load(path: folder.appendingPathComponent("prompt.safetensors").path)
        #expect(file.table.count == 0)
        #expect(file.spec.template.source == "{sentence} It was{target}")
        #expect(file.spec.template.pseudoTokenCount == 0)
        let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("The exported prompt is the manual template `{sentence} It was{target}` with no prompt rows"))
        let json = try String(contentsOf: folder.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(json.contains("\"exported\" : \"manual_template\""))
        #expect(json.contains("\"manual_template_exported\""))
    }

    @Test func refusesOtherSafetensorsFiles() throws {
        let folder = try OutputFixtures.folder()
        let path = folder.appendingPathComponent("other.safetensors").path
        try writeSafetensors(tensors: [SafetensorsTensor(name: "prompt_table", shape: [1], values: [1])],
                             metadata: ["format": "pt"], to: path)
        #expect(throws: ModelFileError.self) { try PromptFile.load(path: path) }
    }

    /// A prompt file whose metadata was edited into a task no run could have written is refused by
    /// name, never run (an empty label list or a negative max_length crashed a prediction).
    @Test(arguments: [
        ["label_words": "[]"],
        ["label_words": #"[{"label":"0","word":"bad"},{"label":"1","word":"bad"}]"#],
        ["max_length": "-9223372036854775808"],
        ["template_parts": #"[{"kind":"target"},{"kind":"pseudo","count":1},{"kind":"pseudo","count":1}]"#],
        ["template_parts": #"[{"kind":"pseudo","count":0},{"kind":"pseudo","count":2},{"kind":"target"}]"#],
        ["task_kind": "choice", "choice_fields": #"["a"]"#, "choice_margin": "1"],
        ["task_kind": "choice", "choice_fields": #"["a","b"]"#, "choice_margin": "nan"],
        ["task_kind": "choice", "choice_fields": #"["label","b"]"#, "choice_margin": "1"],
        ["label_words": #"[{"label":"0\n","word":"bad"},{"label":"1","word":"good"}]"#],
        ["task_kind": "fill", "candidates": "[]"],
        ["bos": "yes"],
    ])
    func refusesMetadataDescribingNoRunnableTask(edit: [String: String]) throws {
        let folder = try OutputFixtures.folder()
        try RunOutputs.write(outcome: OutputFixtures.outcome(), context: OutputFixtures.context(), to: folder)
        let path = folder.appendingPathComponent("prompt.safetensors").path
        #expect(throws: Never.self) { try PromptFile.load(path: path) }
        let raw = try SafetensorsFile(path: path)
        let table = try raw.floats("prompt_table")
        try writeSafetensors(tensors: [SafetensorsTensor(name: "prompt_table", shape: [2, 4], values: table.array)],
                             metadata: raw.metadata.merging(edit) { _, edited in edited }, to: path)
        let refusal = #expect(throws: ModelFileError.self) { try PromptFile.load(path: path) }
        let named = edit.keys.filter { $0 != "task_kind" }
        #expect(named.contains { "\(refusal.map(String.init(describing:)) ?? "")".contains($0) }, "\(String(describing: refusal))")
    }

    @Test func adapterHasPeftNamesShapeAndConfig() throws {
        let folder = try OutputFixtures.folder()
        let outcome = OutputFixtures.outcome()
        try RunOutputs.write(outcome: outcome, context: OutputFixtures.context(), to: folder)
        let adapter = folder.appendingPathComponent("adapter")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: adapter.path))
                == ["adapter_config.json", "adapter_model.safetensors"])

        let weights = try SafetensorsFile(path: adapter.appendingPathComponent("adapter_model.safetensors").path)
        #expect(weights.tensorNames == ["prompt_embeddings"])
        let info = try weights.tensorInfo("prompt_embeddings")
        #expect(info.shape == [2, 4] && info.dtype == "F32")
        #expect(try weights.floats("prompt_embeddings").array == outcome.table.array)

        let data = try Data(contentsOf: adapter.appendingPathComponent("adapter_config.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["peft_type"] as? String == "P_TUNING")
        #expect(json["task_type"] as? String == "CAUSAL_LM")
        #expect(json["num_virtual_tokens"] as? Int == 2)
        #expect(json["token_dim"] as? Int == 4)
        #expect(json["num_transformer_submodules"] as? Int == 1)
        #expect(json["num_attention_heads"] as? Int == 2)
        #expect(json["num_layers"] as? Int == 2)
        #expect(json["encoder_reparameterization_type"] as? String == "LSTM")
        #expect(json["encoder_hidden_size"] as? Int == 4)
        #expect(json["inference_mode"] as? Bool == true)
        #expect(json["base_model_name_or_path"] as? String == "tiny-llama")
        #expect(json["revision"] is NSNull)
        #expect(json["ptune_template"] as? String == "[P*2]{sentence} It was{target}")
        #expect(json["ptune_prefix_only"] as? Bool == true)
        #expect((json["ptune_note"] as? String)?.contains("exactly") == true)
        #expect(try JSONDecoder().decode(PeftAdapter.Config.self, from: data) == PeftAdapter.Config(context: OutputFixtures.context()))
    }

    /// Gemma multiplies its input rows by sqrt(H), prompt rows included; PEFT multiplies only the token
    /// embeddings, so the adapter holds the rows already multiplied (prompt.safetensors holds them as trained).
    @Test func aGemmaAdapterHoldsTheRowsTimesTheEmbeddingScale() throws {
        var context = OutputFixtures.context()
        context.model.config.architecture = .gemma3
        #expect(context.model.config.embeddingScale == 2)
        let folder = try OutputFixtures.folder()
        let outcome = OutputFixtures.outcome()
        try RunOutputs.write(outcome: outcome, context: context, to: folder)
        let weights = try SafetensorsFile(path: folder.appendingPathComponent("adapter/adapter_model.safetensors").path)
        #expect(try weights.floats("prompt_embeddings").array == outcome.table.array.map { $0 * 2 })
        #expect(try PromptFile.load(path: folder.appendingPathComponent("prompt.safetensors").path).table.array == outcome.table.array)
    }

    @Test func adapterNotesWhenTheTemplateIsNotPrefixOnly() {
        let template = Template(parts: [.field("x"), .pseudo(count: 3), .target], source: "{x}[P*3]{target}")
        var context = OutputFixtures.context(spec: OutputFixtures.spec(template: template))
        context.spec.encoder.kind = .none
        let config = PeftAdapter.Config(context: context)
        #expect(!config.ptunePrefixOnly)
        #expect(config.ptuneNote.contains("approximates"))
        #expect(config.encoderReparameterizationType == "MLP")
        #expect(config.numVirtualTokens == 3)
    }
}
