import ArgumentParser
import Base
import Daemon
import Foundation
import Store

/// `ptune show`: one job in full.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a job: state, attempts, events, results.")

    @OptionGroup var spoolOptions: SpoolOptions
    @Argument(help: "The job id or a unique prefix.") var job: String
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    struct Output: Encodable {
        let job: JobRecord
        let attempts: [AttemptRecord]
        let events: [EventRecord]
        let artifacts: [ArtifactInfo]
        /// A search's trials, each a job of its own.
        let trials: [JobRecord]
    }

    func run() throws {
        let store = try spoolOptions.openStore()
        let record = try spoolOptions.job(job, in: store)
        let output = Output(job: record, attempts: try store.attempts(jobID: record.id),
                            events: try store.events(jobID: record.id), artifacts: try store.artifacts(jobID: record.id),
                            trials: try store.children(of: record.id))
        if json {
            try JobFormatting.printJSON(output)
            return
        }
        let j = record
        printForTerminal("job       \(j.id)  \(j.name)")
        if let parent = j.parentID { printForTerminal("trial of  \(parent), a search") }
        printForTerminal("state     \(JobFormatting.state(j))\(j.reason.map { ": \($0)" } ?? "")")
        for warning in j.warnings?.split(separator: "\n") ?? [] { printForTerminal("warning   \(warning)") }
        printForTerminal("bundle    sha256 \(j.bundleSHA256)  (dropped as \(j.spoolName) by \(JobOwner.name(j.ownerUID)))")
        if let model = j.model { printForTerminal("model     \(model), kind \(j.kind ?? "-")") }
        printForTerminal("limits    \(j.threads) threads, \(j.memoryMB) MB, wall time \(j.wallTimeSeconds) s, priority \(j.priority)")
        printForTerminal("times     submitted \(JobFormatting.time(j.submittedAt)), started \(JobFormatting.time(j.startedAt)), "
              + "finished \(JobFormatting.time(j.finishedAt))")
        if !output.trials.isEmpty {
            printForTerminal("progress  \(JobFormatting.progress(j, trials: TrialProgress(output.trials)))")
        } else if j.progressStep != nil {
            printForTerminal("progress  step \(JobFormatting.progress(j))"
                  + (j.lastLoss.map { String(format: ", loss %.4f", $0) } ?? "")
                  + (j.lastDevMetric.map { String(format: ", dev %.4f", $0) } ?? ""))
        }
        if !output.attempts.isEmpty {
            var table = TextTable(["ATTEMPT", "STATE", "WORKER", "STARTED", "FINISHED", "EXIT", "PEAK MB", "REASON"])
            for a in output.attempts {
                let worker = ExecutorRegistry.standard.describeWorker(pid: a.pid, clusterJobID: a.clusterJobID, node: a.node,
                                                                      live: false)
                table.add([String(a.number), a.state.rawValue, worker, JobFormatting.time(a.startedAt),
                           JobFormatting.time(a.finishedAt), a.exitStatus.map(String.init) ?? "-",
                           a.peakRSSMB.map { String(Int($0)) } ?? "-", a.reason ?? ""])
            }
            printForTerminal("\n" + table.rendered)
        }
        if !output.trials.isEmpty { printForTerminal("\ntrials\n" + Self.trialTable(output.trials)) }
        if !output.events.isEmpty {
            printForTerminal("\nevents")
            for e in output.events.suffix(12) { printForTerminal("  \(JobFormatting.time(e.at))  \(e.kind): \(e.message)") }
        }
        if let data = try? store.artifact(jobID: j.id, name: "report.md"), let text = String(data: data, encoding: .utf8) {
            printForTerminal("\n" + text)
        }
        printForTerminal("files     \(try folder(of: j, in: store))")
    }

    /// Where the job's files are: its folder in active/, done/, failed/ or rejected/; a trial's in its search's.
    private func folder(of job: JobRecord, in store: JobStore) throws -> String {
        let spool = try spoolOptions.spoolURL()
        if let parentID = job.parentID, let key = job.trialKey, let parent = try store.job(id: parentID) {
            return try folder(of: parent, in: store) + "/trials/" + key
        }
        let place = job.state == .succeeded ? "done" : (job.state.isTerminal ? (job.state == .rejected ? "rejected" : "failed") : "active")
        return spool.appendingPathComponent(place).path + "/" + (job.state == .rejected ? job.spoolName : job.id)
    }

    /// A search's trials: one line each, with where each stands.
    static func trialTable(_ trials: [JobRecord]) -> String {
        var table = TextTable(["ID", "TRIAL", "STATE", "STEP", "LOSS", "DEV", "REASON"])
        for t in trials {
            table.add([t.id, t.trialKey ?? "-", JobFormatting.state(t), JobFormatting.progress(t),
                       t.lastLoss.map { String(format: "%.4f", $0) } ?? "-", t.lastDevMetric.map { String(format: "%.4f", $0) } ?? "-",
                       t.reason ?? ""])
        }
        return table.rendered
    }
}
