import Base
import Foundation
import Store

/// report.json and report.md for a job that did not succeed: its state and why, in words a user can
/// act on. (A succeeded job's report comes from the worker's run.)
struct FailureReport: Encodable {
    let schemaVersion = 1
    let job: JobInfo
    let state: String
    let reason: String
    let attempts: Int
    let problems: [String]?
    let workerLog = "worker.log"

    struct JobInfo: Encodable {
        let id: String
        let name: String
        let bundleSha256: String
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", job, state, reason, attempts, problems, workerLog = "worker_log"
    }

    init(job: JobRecord, state: JobState, reason: String, problems: [String]?) {
        self.job = JobInfo(id: job.id, name: job.name, bundleSha256: job.bundleSHA256)
        self.state = state.rawValue
        self.reason = reason
        self.attempts = job.attempts
        self.problems = problems
    }

    func write(into directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try AtomicFile.write(try encoder.encode(self), to: directory.appendingPathComponent("report.json").path)
        var md = "# \(job.name): \(state.replacingOccurrences(of: "_", with: " "))\n\n"
        md += "- Job: `\(job.id)` (bundle sha256 `\(job.bundleSha256.prefix(12))`), \(attempts) attempt\(attempts == 1 ? "" : "s")\n"
        md += "- Why: \(reason)\n"
        if let problems, !problems.isEmpty {
            md += "\n## Problems\n\n" + problems.map { "- \($0)" }.joined(separator: "\n") + "\n"
        }
        md += "\nThe worker's output is in `worker.log`.\n"
        try AtomicFile.write(Data(md.utf8), to: directory.appendingPathComponent("report.md").path)
    }
}
