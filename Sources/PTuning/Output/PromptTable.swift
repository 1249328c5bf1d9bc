import Base
import Foundation
import LM

/// Several tasks' prompts for one frozen model in one safetensors file, keyed by task name (NeMo's
/// prompt table): a server keeps one model and picks a prompt per request.
///
/// Each task's table is the F32 tensor named after the task, [m, H]. Metadata: `format`
/// "ptune-prompt-table", `format_version` "1", `tasks` (JSON list of the names, in the order given),
/// `model_name`, `model_sha256`, and every key of each task's own prompt file (`PromptFile`) as
/// `TASK/KEY`.
public struct PromptTable: Sendable {
    public static let format = "ptune-prompt-table"
    public static let formatVersion = "1"

    /// The prompts, one per task, all for the same model.
    public let prompts: [PromptFile]

    /// Throws when two prompts share a task name or were trained against different models.
    public init(prompts: [PromptFile]) throws {
        var seen = Set<String>()
        let unusable = { (name: String) in name.isEmpty || name.contains("/") || name == "__metadata__" }
        if let named = prompts.first(where: { unusable($0.spec.name) }) {
            throw ActionableError("\"\(named.spec.name)\" cannot name a task in a prompt table",
                                  hint: "task names are 1 to 64 letters, digits, '.', '_' or '-'")
        }
        for prompt in prompts where !seen.insert(prompt.spec.name).inserted {
            throw ActionableError("two prompts for the task \"\(prompt.spec.name)\"",
                                  hint: "a table holds one prompt per task name")
        }
        if let first = prompts.first, let other = prompts.first(where: { $0.modelSHA256 != first.modelSHA256 }) {
            throw ActionableError("task \"\(other.spec.name)\" was trained against \(other.modelName) "
                                  + "(sha256 \(other.modelSHA256.prefix(12))…), task \"\(first.spec.name)\" against "
                                  + "\(first.modelName) (sha256 \(first.modelSHA256.prefix(12))…)",
                                  hint: "a table holds the prompts of one model; choose it with --model")
        }
        self.prompts = prompts
    }

    /// The task names, in the table's order.
    public var tasks: [String] { prompts.map(\.spec.name) }

    /// The prompt of `task`, or an error listing the tasks there are.
    public func prompt(task: String) throws -> PromptFile {
        guard let prompt = prompts.first(where: { $0.spec.name == task }) else {
            throw ActionableError("no task \"\(task)\" in the prompt table",
                                  hint: "its tasks: \(tasks.joined(separator: ", "))")
        }
        return prompt
    }

    /// Writes the table atomically.
    public func write(to path: String) throws {
        var metadata = ["format": Self.format, "format_version": Self.formatVersion,
                        "tasks": try PromptMetadataReader.json(tasks),
                        "model_name": prompts.first?.modelName ?? "", "model_sha256": prompts.first?.modelSHA256 ?? ""]
        var tensors: [SafetensorsTensor] = []
        for prompt in prompts {
            for (key, value) in try prompt.metadata() { metadata[prompt.spec.name + "/" + key] = value }
            tensors.append(SafetensorsTensor(name: prompt.spec.name, shape: [prompt.spec.template.pseudoTokenCount,
                                                                           prompt.hiddenSize], values: prompt.table))
        }
        try writeSafetensors(tensors: tensors, metadata: metadata, to: path)
    }

    /// Reads a table written by `write`; errors name the file and, for a task's fields, the task.
    public static func load(path: String) throws -> PromptTable {
        try read(try SafetensorsFile(path: path))
    }

    /// A table's `contents` held in memory (read from a bundle), named `name` in errors.
    public static func load(contents: Data, name: String) throws -> PromptTable {
        try read(try SafetensorsFile(contents: contents, name: name))
    }

    private static func read(_ file: SafetensorsFile) throws -> PromptTable {
        let path = file.path
        let fields = PromptMetadataReader(path: path, metadata: file.metadata)
        try fields.requireFormat(format, version: formatVersion)
        let tasks: [String] = try fields.json("tasks")
        return try PromptTable(prompts: tasks.map { task in
            var own: [String: String] = [:]
            for (key, value) in file.metadata where key.hasPrefix(task + "/") {
                own[String(key.dropFirst(task.count + 1))] = value
            }
            let name = "\(path) (task \(task))"
            let prompt = try PromptFile.decode(PromptMetadataReader(path: name, metadata: own), file: file, tensor: task)
            guard prompt.spec.name == task else {
                throw ModelFileError.badValue(path: name, key: task + "/task_name", expected: task, found: prompt.spec.name)
            }
            return prompt
        })
    }
}
