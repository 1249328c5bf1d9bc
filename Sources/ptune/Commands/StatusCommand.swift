import ArgumentParser
import Daemon
import Foundation
import Store

/// `ptune status`: the queue, the running jobs with progress and ETA, and the budgets.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's queue, running jobs and budgets.")

    @OptionGroup var spoolOptions: SpoolOptions
    @Flag(name: .long, help: "Print JSON instead of text (with the whole queue).") var json = false

    /// Queued jobs listed in the text output; the rest are counted.
    static let queueShown = 20

    struct Output: Encodable {
        let daemon: DaemonStatus?
        let daemonAlive: Bool
        let counts: [String: Int]
        let queued: [JobRecord]
        let running: [JobRecord]
    }

    func run() throws {
        let store = try spoolOptions.openStore()
        let spool = try spoolOptions.spoolURL()
        let status = DaemonStatus.read(spool: spool)
        let alive = status.map { kill($0.pid, 0) == 0 && Date().timeIntervalSince($0.updatedAt) < 30 } ?? false
        let counts = Dictionary(uniqueKeysWithValues: try store.stateCounts().map { ($0.key.rawValue, $0.value) })
        let output = Output(daemon: status, daemonAlive: alive, counts: counts, queued: try store.queuedJobs(),
                            running: try store.jobs(inStates: [.running]))
        if json {
            try JobFormatting.printJSON(output)
            return
        }
        if let status, alive {
            let stopping = status.stopping ? " (stopping)" : ""
            let kind = ExecutorRegistry.standard.named(status.executor ?? "") ?? LocalExecutorKind()
            printForTerminal("daemon    pid \(status.pid)\(stopping); \(kind.statusLine(status))")
            if let address = status.metricsAddress { printForTerminal("metrics   http://\(address)/metrics") }
        } else {
            printForTerminal("daemon    not running (no fresh status in \(spool.path)/control/status.json)")
        }
        printForTerminal("jobs      " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        if !output.running.isEmpty {
            var table = TextTable(["RUNNING", "NAME", "WORKER", "PROGRESS", "LOSS", "RSS MB", "ETA"])
            for job in output.running {
                let worker = status?.workers.first { $0.jobID == job.id }
                var eta = "-"
                if let step = job.progressStep, let total = job.progressTotal, step > 0, let started = worker?.startedAt {
                    eta = ProgressDisplay.duration(Date().timeIntervalSince(started) / Double(step) * Double(total - step))
                }
                table.add([job.id, job.name, worker.map(JobFormatting.place) ?? "-", JobFormatting.progress(job), job.lastLoss.map { String(format: "%.4f", $0) } ?? "-",
                           worker?.residentMB.map { String(Int($0)) } ?? "-", eta])
            }
            printForTerminal("\n" + table.rendered)
        }
        if let untaken = status?.untaken, alive, !untaken.isEmpty {
            printForTerminal("\nNOT TAKEN (left in incoming/ until changed)")
            for entry in untaken {
                printForTerminal("  \(entry.entry): \(entry.reason)")
            }
        }
        if !output.queued.isEmpty {
            var table = TextTable(["QUEUED", "NAME", "PRIORITY", "THREADS", "MEMORY MB", "SUBMITTED", "REASON"])
            for job in output.queued.prefix(Self.queueShown) {
                table.add([job.id, job.name, String(job.priority), String(job.threads), String(job.memoryMB),
                           JobFormatting.time(job.submittedAt), job.reason ?? "-"])
            }
            printForTerminal("\n" + table.rendered)
            if output.queued.count > Self.queueShown {
                printForTerminal("... and \(output.queued.count - Self.queueShown) more, next first (`ptune history --state queued` lists them all)")
            }
        }
    }
}
