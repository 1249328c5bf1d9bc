import ArgumentParser
import Base
import Foundation
import Store

/// `ptune history`: the jobs, newest first.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List jobs, newest first.")

    @OptionGroup var spoolOptions: SpoolOptions
    @Option(name: .long, help: "Only jobs in this state (\(JobState.allCases.map(\.rawValue).joined(separator: ", "))).")
    var state: String?
    @Option(name: .long, help: "Only jobs whose name matches this glob (e.g. 'sst2*').") var name: String?
    @Option(name: .long, help: "Only jobs submitted on or after this date (YYYY-MM-DD or ISO-8601).") var since: String?
    @Option(name: .long, help: "Only jobs owned by this user (name or uid): who dropped the bundle.") var owner: String?
    @Option(name: .long, help: "At most this many jobs.") var limit: Int?
    @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let stateFilter = try state.map { s -> JobState in
            guard let st = JobState(rawValue: s) else {
                throw ActionableError("unknown state \(s)", hint: "one of: \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return st
        }
        let sinceDate = try since.map { s -> Date in
            if let d = ISO8601DateFormatter().date(from: s) { return d }
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.timeZone = TimeZone(identifier: "UTC")
            guard let d = f.date(from: s) else { throw ActionableError("cannot read the date \(s)", hint: "use YYYY-MM-DD") }
            return d
        }
        let store = try spoolOptions.openStore()
        let jobs = try store.jobs(state: stateFilter, nameGlob: name, since: sinceDate, ownerUID: try owner.map(JobOwner.uid),
                                  limit: limit)
        if json {
            try JobFormatting.printJSON(jobs)
            return
        }
        let trials = try store.trialProgress(of: jobs.map(\.id))
        var table = TextTable(["JOB", "STATE", "NAME", "OWNER", "SUBMITTED", "TOOK", "PROGRESS", "REASON"])
        for job in jobs {
            table.add([job.id, JobFormatting.state(job), job.name, JobOwner.name(job.ownerUID), JobFormatting.time(job.submittedAt),
                       JobFormatting.duration(job),
                       JobFormatting.progress(job, trials: trials[job.id]), String((job.reason ?? job.warnings.map { "warning: " + $0 } ?? "").prefix(60))])
        }
        printForTerminal(jobs.isEmpty ? "no jobs" : table.rendered)
    }
}
