import ArgumentParser
import Base
import Daemon
import Foundation

/// `ptune cancel`: ask the daemon to stop a job.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a queued or running job (it ends as `cancelled`).")

    @OptionGroup var spoolOptions: SpoolOptions
    @Argument(help: "The job id or a unique prefix.") var job: String

    func run() throws {
        let store = try spoolOptions.openStore()
        let record = try spoolOptions.job(job, in: store)
        guard !record.state.isTerminal else {
            throw ActionableError("job \(record.id) already ended: \(record.state.rawValue)")
        }
        try CancelRequests.request(record.id, spool: try spoolOptions.spoolURL())
        print("asked the daemon to cancel \(record.id) (\(record.name)); `ptune show \(record.id)` shows when it has")
    }
}
