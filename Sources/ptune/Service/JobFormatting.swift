import Daemon
import Foundation
import Store

/// How query commands show times and jobs.
enum JobFormatting {
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date) + "Z"
    }

    static func duration(_ job: JobRecord, now: Date = Date()) -> String {
        guard let start = job.startedAt else { return "-" }
        return ProgressDisplay.duration((job.finishedAt ?? now).timeIntervalSince(start))
    }

    /// A job's steps, "120/450"; a search's trials ended and their steps together, "trials 3/12, 540/2160".
    static func progress(_ job: JobRecord, trials: TrialProgress? = nil) -> String {
        if let trials {
            return "trials \(trials.ended)/\(trials.count)" + (trials.totalSteps > 0 ? ", \(trials.steps)/\(trials.totalSteps)" : "")
        }
        guard let step = job.progressStep, let total = job.progressTotal, total > 0 else { return "-" }
        return "\(step)/\(total)"
    }

    /// Where a live worker runs, as its executor names it: "pid N", "slurm N@node".
    static func place(_ worker: DaemonStatus.Worker) -> String {
        ExecutorRegistry.standard.describeWorker(pid: worker.pid, clusterJobID: worker.clusterJobID, node: worker.node, live: true)
    }

    /// ISO-8601 dates for --json output.
    static func jsonEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }

    /// The state as tables show it: a succeeded job whose report warns about its prompt is
    /// "succeeded!" (the warnings themselves are in `ptune show` and the report).
    static func state(_ job: JobRecord) -> String {
        job.state.rawValue + (job.warnings == nil ? "" : "!")
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        print(String(decoding: try jsonEncoder().encode(value), as: UTF8.self))
    }
}
