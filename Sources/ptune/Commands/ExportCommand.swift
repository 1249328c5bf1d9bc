import ArgumentParser
import Base
import Foundation
import Store
import Tensor

/// `ptune export`: a job's trained prompt out of the database (its sha256 checked on the way).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a job's trained prompt from the database into a folder.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case peft, safetensors
    }

    @OptionGroup var spoolOptions: SpoolOptions
    @Argument(help: "The job id or a unique prefix.") var job: String
    @Option(name: .long, help: "The folder to write into (created if needed).") var out: String
    @Option(name: .long, help: "peft: adapter_config.json + adapter_model.safetensors; safetensors: prompt.safetensors (for `ptune predict`).")
    var format: Format = .safetensors

    func run() throws {
        let store = try spoolOptions.openStore()
        let record = try spoolOptions.succeededJob(job, in: store, for: "a prompt to export")
        let names = format == .peft ? ["adapter/adapter_config.json", "adapter/adapter_model.safetensors"] : ["prompt.safetensors"]
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            let data = try store.artifact(jobID: record.id, name: name)
            let file = folder.appendingPathComponent((name as NSString).lastPathComponent)
            try AtomicFile.write(data, to: file.path)
            print("wrote \(file.path) (\(data.count) bytes, sha256 checked)")
        }
    }
}
