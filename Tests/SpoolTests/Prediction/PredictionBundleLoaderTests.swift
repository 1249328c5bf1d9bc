import Base
import Foundation
import PTuning
@testable import Spool
import Tensor
import Testing

/// Prediction bundles (`kind = "predict"`): the manifest, the prompt it names, the records against
/// that prompt's task, and a clear reason for each thing wrong.
struct PredictionBundleLoaderTests {
    static let prompt = PromptFile(
        table: FloatBuffer(count: 8),
        spec: TaskSpec(name: "sentiment", kind: ClassifyKind(labels: [LabelWord(label: "0", word: "bad"),
                                                                     LabelWord(label: "1", word: "great")]),
                       template: try! Template.parse("[P*2] {text} It was {target}"), labelField: "label"),
        hiddenSize: 4, targetPrefix: " ", modelName: "tiny", modelSHA256: String(repeating: "ab", count: 32))

    func fixture(_ promptTable: String, extra: String = "", records: String = "{\"text\": \"fine\"}\n") throws -> BundleFixture {
        let bundle = try BundleFixture()
        try bundle.write("task.toml", "name = \"scores\"\nkind = \"predict\"\n\n[prompt]\n\(promptTable)\n\(extra)")
        try bundle.write("input.jsonl", records)
        try Self.prompt.write(to: bundle.root.appendingPathComponent("prompt.safetensors").path)
        try PromptTable(prompts: [Self.prompt]).write(to: bundle.root.appendingPathComponent("table.safetensors").path)
        return bundle
    }

    func problems(_ bundle: BundleFixture, job: (String) throws -> Data = { _ in throw ActionableError("no jobs") }) -> [String] {
        do {
            _ = try PredictionBundleLoader.load(directory: bundle.root, jobPrompt: job)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func eachPromptSourceLoadsTheSamePrompt() throws {
        let first = try fixture("")
        let bytes = try Data(contentsOf: first.root.appendingPathComponent("prompt.safetensors"))
        for source in ["file = \"prompt.safetensors\"", "table = \"table.safetensors\"\ntask = \"sentiment\"", "job = \"s@latest\""] {
            let bundle = try fixture(source, records: "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"poor\", \"label\": 0}\n")
            var asked: String?
            let loaded = try PredictionBundleLoader.load(directory: bundle.root) { reference in
                asked = reference
                return bytes
            }
            #expect(loaded.prompt.spec.template.source == "[P*2] {text} It was {target}", "\(source)")
            #expect(loaded.records.map(\.source) == ["input.jsonl:1", "input.jsonl:2"] && loaded.labelled)
            #expect(loaded.model == "tiny" && loaded.manifest.batchSize == 16 && loaded.manifest.input == "input.jsonl")
            #expect(asked == (source.hasPrefix("job") ? "s@latest" : nil))
            #expect(BundleLoader.isPrediction(directory: bundle.root))
        }
    }

    @Test func recordsAreCheckedAgainstThePromptsTask() throws {
        let bundle = try fixture("file = \"prompt.safetensors\"",
                                 records: "{\"text\": \"fine\"}\n{\"txt\": \"typo\"}\n{\"text\": \"x\", \"label\": 7}\n")
        let found = problems(bundle)
        #expect(found.contains { $0.hasPrefix("input.jsonl:2: text: missing (did you mean txt?") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("input.jsonl:3: label: label \"7\"") }, "\(found)")
    }

    @Test(arguments: [
        ("", "names no prompt"),
        ("file = \"prompt.safetensors\"\njob = \"x@latest\"", "names 2 prompts"),
        ("table = \"table.safetensors\"", "table and task go together"),
        ("file = \"../prompt.safetensors\"", ".. component"),
        ("file = \"missing.safetensors\"", "missing.safetensors"),
        ("file = \"input.jsonl\"", "prompt.file"),
        ("table = \"table.safetensors\"\ntask = \"other\"", "sentiment"),
        ("job = \"gone\"", "no jobs"),
        ("file = \"prompt.safetensors\"\nfiles = 1", "unknown key"),
    ])
    func aBadPromptSourceIsNamedWithItsReason(source: String, reason: String) throws {
        let found = problems(try fixture(source))
        #expect(found.contains { $0.contains(reason) }, "\(found)")
    }

    @Test func predictSettingsAreReadAndChecked() throws {
        let ok = try fixture("file = \"prompt.safetensors\"", extra: "\n[predict]\nbatch_size = 64\nprecision = \"bf16\"\n")
        let loaded = try PredictionBundleLoader.load(directory: ok.root) { _ in Data() }
        #expect(loaded.manifest.batchSize == 64 && loaded.manifest.precision == .bf16 && !loaded.labelled)
        let bad = try fixture("file = \"prompt.safetensors\"", extra: "\n[predict]\nbatch_size = 0\n")
        #expect(problems(bad).contains { $0.contains("batch_size") })
        let training = try BundleFixture()
        try training.write("task.toml", "name = \"t\"\nkind = \"classify\"\n")
        #expect(!BundleLoader.isPrediction(directory: training.root))
    }
}
