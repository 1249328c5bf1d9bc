import ArgumentParser
import Base
import Foundation
import Glibc
import Store

/// `ptune logs`: a job's log (its worker's output and progress lines, every attempt), optionally
/// followed until the job ends.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show a job's worker output and progress lines.",
        discussion: """
            The daemon records each attempt's lines as it receives them, for local and Slurm workers \
            alike. --follow prints new lines as they arrive (within a second), across attempts, and \
            ends when the job does, with its final state.
            """)

    @OptionGroup var spoolOptions: SpoolOptions
    @Argument(help: "The job id or a unique prefix.") var job: String
    @Flag(name: [.short, .long], help: "Keep printing new lines until the job ends.") var follow = false
    @Option(name: [.customShort("n"), .long], help: "Only the last N lines recorded so far.") var tail: Int?
    @Flag(name: .long, help: "Print each line as JSON (id, attempt, at, text).") var json = false

    /// Between two reads of new lines while following.
    static let pollSeconds = 0.2

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more, got \(tail).") }
    }

    func run() throws {
        let store = try spoolOptions.openStore()
        var record = try spoolOptions.job(job, in: store)
        var lines = try store.logLines(jobID: record.id, last: tail)
        if lines.isEmpty && !follow {
            printForTerminal("no log lines recorded for \(record.id) (\(record.state.rawValue))"
                + (record.state == .queued ? ": it has not started" : ""))
            return
        }
        // With --tail 0 nothing is printed, and following starts after the newest line.
        var lastID = tail == 0 ? try store.logLines(jobID: record.id, last: 1).last?.id : lines.last?.id
        try emit(lines)
        guard follow else { return }
        if record.state == .queued { FileHandle.standardError.write(Data("waiting: \(record.id) is queued\n".utf8)) }
        while true {
            let wasEnded = record.state.isTerminal
            lines = try store.logLines(jobID: record.id, afterID: lastID)
            try emit(lines)
            lastID = lines.last?.id ?? lastID
            // One more read after the end was seen, so lines recorded with the end are printed.
            if wasEnded { break }
            usleep(useconds_t(Self.pollSeconds * 1_000_000))
            record = try store.job(id: record.id) ?? record
        }
        printForTerminal("== \(record.id) ended: \(record.state.rawValue)" + (record.reason.map { " (\($0))" } ?? ""))
    }

    private func emit(_ lines: [LogLine]) throws {
        let encoder = JobFormatting.jsonEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for line in lines {
            if json {
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
            } else {
                printForTerminal(line.text)
            }
        }
        fflush(nil)
    }
}
