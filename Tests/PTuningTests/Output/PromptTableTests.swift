import Foundation
import LM
@testable import PTuning
import Tensor
import Testing

struct PromptTableTests {
    static func prompt(_ name: String, kind: any TaskKind = FillKind(candidates: ["Paris", "Rome"]),
                       sha: String = String(repeating: "ab", count: 32), start: Float = 0) -> PromptFile {
        PromptFile(table: FloatBuffer((0..<8).map { start + Float($0) }), spec: OutputFixtures.spec(name: name, kind: kind),
                   hiddenSize: 4, targetPrefix: " ", modelName: "tiny", modelSHA256: sha)
    }

    @Test func eachTaskReadsBackAsItsOwnPromptFile() throws {
        let prompts = [Self.prompt("capital"), Self.prompt("sentiment", kind: ClassifyKind(labels: [
            LabelWord(label: "0", word: "bad"), LabelWord(label: "1", word: "great")]), start: 10),
                       Self.prompt("quiz", kind: ChoiceKind(fields: ["a", "b"], margin: 0.5), start: 20)]
        let path = try OutputFixtures.folder().appendingPathComponent("table.safetensors").path
        try PromptTable(prompts: prompts).write(to: path)

        let table = try PromptTable.load(path: path)
        #expect(table.tasks == ["capital", "sentiment", "quiz"])
        for expected in prompts {
            let got = try table.prompt(task: expected.spec.name)
            #expect(got.table.array == expected.table.array)
            #expect(got.spec.kind.isSame(as: expected.spec.kind))
            #expect(got.spec.template == expected.spec.template)
            #expect(got.modelSHA256 == expected.modelSHA256 && got.hiddenSize == 4)
        }
        #expect(try SafetensorsFile(path: path).metadata["format"] == "ptune-prompt-table")
        let missing = #expect(throws: (any Error).self) { try table.prompt(task: "nope") }
        #expect(missing.map { "\($0)" }?.contains("capital, sentiment, quiz") == true)
    }

    @Test func anExportedManualTemplateHasNoRowsInTheTableToo() throws {
        let manual = PromptFile(table: FloatBuffer(count: 0), spec: OutputFixtures.spec(name: "rte").manualOnly,
                                hiddenSize: 4, targetPrefix: " ", modelName: "tiny", modelSHA256: String(repeating: "ab", count: 32))
        let path = try OutputFixtures.folder().appendingPathComponent("table.safetensors").path
        try PromptTable(prompts: [Self.prompt("capital"), manual]).write(to: path)
        let got = try PromptTable.load(path: path).prompt(task: "rte")
        #expect(got.table.count == 0 && got.spec.template.pseudoTokenCount == 0)
        #expect(got.spec.template == manual.spec.template)
    }

    @Test func oneModelAndOnePromptPerTask() {
        let other = Self.prompt("b", sha: String(repeating: "cd", count: 32))
        let mixed = #expect(throws: (any Error).self) { try PromptTable(prompts: [Self.prompt("a"), other]) }
        #expect(mixed.map { "\($0)" }?.contains("--model") == true)
        #expect(throws: (any Error).self) { try PromptTable(prompts: [Self.prompt("a"), Self.prompt("a", start: 3)]) }
        #expect(throws: (any Error).self) { try PromptTable(prompts: [Self.prompt("a/b")]) }
        #expect(throws: (any Error).self) { try PromptTable(prompts: [Self.prompt("__metadata__")]) }
    }

    /// The error loading a one-task table ("capital") whose metadata `key` was changed to `value`.
    static func loadingTampered(_ key: String, _ value: String) throws -> String? {
        let path = try OutputFixtures.folder().appendingPathComponent("table.safetensors").path
        try PromptTable(prompts: [Self.prompt("capital")]).write(to: path)
        let file = try SafetensorsFile(path: path)
        var metadata = file.metadata
        metadata[key] = value
        try writeSafetensors(tensors: [SafetensorsTensor(name: "capital", shape: [2, 4], values: try file.floats("capital"))],
                             metadata: metadata, to: path)
        return #expect(throws: ModelFileError.self) { try PromptTable.load(path: path) }.map { "\($0)" }
    }

    /// A damaged task entry names the file and the task.
    @Test func aDamagedEntryNamesItsTask() throws {
        #expect(try Self.loadingTampered("capital/pseudo_tokens", "5")?.contains("(task capital)") == true)
    }

    /// An entry whose fields name another task is refused: `--task a` never serves task b's prompt.
    @Test func anEntryMustNameItsOwnTask() throws {
        #expect(try Self.loadingTampered("capital/task_name", "sentiment")?.contains("capital/task_name") == true)
    }
}
