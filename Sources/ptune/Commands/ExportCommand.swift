import ArgumentParser
import Base
import Foundation
import PTuning
import Store
import Tensor

/// `ptune export`: a job's trained prompt out of the database (its sha256 checked on the way), or
/// every task's newest prompt for one model as a prompt table.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a job's trained prompt, or a prompt table, from the database.",
        discussion: """
            `ptune export JOB --out DIR` writes one job's prompt. `ptune export --table FILE [--model NAME]` \
            writes one safetensors file with the prompt of the newest succeeded job of every task name \
            trained against the model, for `ptune predict --table FILE --task NAME`.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case peft, safetensors
    }

    @OptionGroup var spoolOptions: SpoolOptions
    @Argument(help: "The job id or a unique prefix.") var job: String?
    @Option(name: .long, help: "The folder to write into (created if needed).") var out: String?
    @Option(name: .long, help: "peft: adapter_config.json + adapter_model.safetensors; safetensors: prompt.safetensors (for `ptune predict`).")
    var format: Format = .safetensors
    @Option(name: .long, help: "Write a prompt table to this file instead: every task's newest prompt for one model.")
    var table: String?
    @Option(name: .long, help: "With --table: the model's name, as the jobs give it (needed when jobs used several).")
    var model: String?

    func validate() throws {
        if let table {
            guard job == nil, out == nil else {
                throw ValidationError("--table \(table) writes every task's prompt; give no JOB and no --out with it.")
            }
        } else {
            guard job != nil, out != nil else { throw ValidationError("Give a JOB and --out DIR, or --table FILE.") }
            guard model == nil else { throw ValidationError("--model goes with --table.") }
        }
    }

    func run() throws {
        let store = try spoolOptions.openStore()
        if let table { return try exportTable(to: table, store: store) }
        let record = try spoolOptions.succeededJob(job ?? "", in: store, for: "a prompt to export")
        let names = format == .peft ? ["adapter/adapter_config.json", "adapter/adapter_model.safetensors"] : ["prompt.safetensors"]
        let folder = URL(fileURLWithPath: out ?? "")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            let data = try store.artifact(jobID: record.id, name: name)
            let file = folder.appendingPathComponent((name as NSString).lastPathComponent)
            try AtomicFile.write(data, to: file.path)
            print("wrote \(file.path) (\(data.count) bytes, sha256 checked)")
        }
    }

    /// The newest succeeded job's prompt of every task name (of `model` when given).
    private func exportTable(to path: String, store: JobStore) throws {
        var newest: [String: (job: String, prompt: PromptFile)] = [:]
        var order: [String] = []
        for record in try store.jobs(state: .succeeded) where newest[record.name] == nil {
            let data = try store.artifact(jobID: record.id, name: "prompt.safetensors")
            let prompt = try PromptFile.load(contents: data, name: "the prompt of job \(record.id)")
            if let model, prompt.modelName != model { continue }
            newest[record.name] = (record.id, prompt)
            order.append(record.name)
        }
        guard !order.isEmpty else {
            throw ActionableError("no succeeded job" + (model.map { " trained against \($0)" } ?? "") + " has a prompt",
                                  hint: "`ptune history --state succeeded` lists the jobs and their models")
        }
        let models = Set(order.compactMap { newest[$0]?.prompt.modelName }).sorted()
        guard models.count == 1 else {
            throw ActionableError("the succeeded jobs used \(models.count) models: \(models.joined(separator: ", "))",
                                  hint: "choose one with --model NAME; a table holds one model's prompts")
        }
        let table = try PromptTable(prompts: order.sorted().compactMap { newest[$0]?.prompt })
        try table.write(to: path)
        print("wrote \(path): \(table.tasks.count) tasks for \(models[0])")
        for task in table.tasks { print("  \(task)  (job \(newest[task]?.job ?? ""))") }
    }
}
