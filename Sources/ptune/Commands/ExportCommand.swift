import ArgumentParser
import Base
import Foundation
import PTuning
import Spool
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
    @Option(name: .long, help: "With --table: the model, by file name or sha256 prefix (needed when jobs used several).")
    var model: String?
    @Option(name: .long, help: "With --table: only the jobs of this user (name or uid); task names are shared across users otherwise.")
    var owner: String?

    func validate() throws {
        if let table {
            guard job == nil, out == nil, format == .safetensors else {
                throw ValidationError("--table \(table) writes every task's prompt into one file; give no JOB, --out or --format with it.")
            }
        } else {
            guard job != nil, out != nil else { throw ValidationError("Give a JOB and --out DIR, or --table FILE.") }
            guard model == nil, owner == nil else { throw ValidationError("--model and --owner go with --table.") }
        }
    }

    func run() throws {
        let store = try spoolOptions.openStore()
        if let table { return try exportTable(to: table, store: store) }
        let record = try spoolOptions.succeededJob(job ?? "", in: store, for: "a prompt to export")
        guard record.kind != BundleLoader.predictionKind else {
            throw ActionableError("job \(record.id) is a prediction job: it trained no prompt",
                                  hint: "its answers are in predictions.jsonl in its done/ folder; export the job it names")
        }
        if format == .peft, try store.prompt(of: record.id).table.count == 0 {
            throw ActionableError("job \(record.id) exported its manual template, with no prompt rows (no prompt beat it on "
                                  + "dev), and PEFT needs at least one virtual token",
                                  hint: "use --format safetensors for ptune predict, or train again with "
                                  + "`manual_fallback = false` in [training] to keep the best prompt anyway")
        }
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

    /// The newest succeeded job's prompt of every task name (of `model` and `owner` when given); a
    /// search's, not its trials'. A job whose prompt is gone (retention) or unreadable is left out
    /// with a note.
    private func exportTable(to path: String, store: JobStore) throws {
        var newest: [String: (job: String, prompt: PromptFile)] = [:]
        let ownerUID = try owner.map(JobOwner.uid)
        for record in try store.jobs(state: .succeeded, ownerUID: ownerUID)
        where newest[record.name] == nil && record.kind != BundleLoader.predictionKind && record.parentID == nil {
            let prompt: PromptFile
            do {
                prompt = try store.prompt(of: record.id)
            } catch {
                FileHandle.standardError.write(Data("leaving out job \(record.id) (\(record.name)): \(error)\n".utf8))
                continue
            }
            if let model, prompt.modelName != model, !prompt.modelSHA256.hasPrefix(model.lowercased()) { continue }
            newest[record.name] = (record.id, prompt)
        }
        let chosen = newest.keys.sorted().compactMap { newest[$0] }
        guard let first = chosen.first else {
            throw ActionableError("no succeeded job" + (model.map { " trained against \($0)" } ?? "") + " has a prompt",
                                  hint: "`ptune history --state succeeded` lists the jobs and their models")
        }
        let models = Set(chosen.map { "\($0.prompt.modelName) (sha256 \($0.prompt.modelSHA256.prefix(12))…)" }).sorted()
        guard models.count == 1 else {
            throw ActionableError("the succeeded jobs used \(models.count) models: \(models.joined(separator: ", "))",
                                  hint: "choose one with --model NAME or --model SHA256_PREFIX; a table holds one model's prompts")
        }
        let table = try PromptTable(prompts: chosen.map(\.prompt))
        try table.write(to: path)
        print("wrote \(path): \(table.tasks.count) tasks for \(first.prompt.modelName)")
        for entry in chosen { print("  \(entry.prompt.spec.name)  (job \(entry.job))") }
    }
}
