import Foundation
import GRDB

extension JobStore {
    static func insertLinks(_ db: Database, job: JobRecord, dependencies: [DependencyRecord],
                            notify: JobNotifyRecord?) throws {
        try db.execute(sql: "DELETE FROM dependency WHERE jobID = ?", arguments: [job.id])
        try db.execute(sql: "DELETE FROM job_notify WHERE jobID = ?", arguments: [job.id])
        for dependency in dependencies {
            try dependency.insert(db)
            let other = try Self.fetchJob(db, id: dependency.dependsOn)
            let until = dependency.kind == .ok ? "succeeds" : "ends"
            try Self.insertEvent(db, jobID: job.id, attempt: nil, kind: EventRecord.Kind.dependency,
                                 message: "waits until job \(other.id) (\(other.name)) \(until)"
                                     + (dependency.providesPrompt ? "; its prompt answers the records" : ""),
                                 at: job.submittedAt)
        }
        try notify?.insert(db)
    }

    /// For every queued job that waits for others, where each job it waits for stands.
    public func queuedDependencies() throws -> [String: [DependencyStatus]] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.*, other.name AS otherName, other.state AS otherState, other.reason AS otherReason
                FROM dependency d JOIN job ON job.id = d.jobID JOIN job other ON other.id = d.dependsOn
                WHERE job.state = 'queued' ORDER BY d.jobID, d.rowid
                """)
            var waiting: [String: [DependencyStatus]] = [:]
            for row in rows {
                let dependency = try DependencyRecord(row: row)
                waiting[dependency.jobID, default: []].append(DependencyStatus(
                    dependency: dependency, name: row["otherName"], state: row["otherState"], reason: row["otherReason"]))
            }
            return waiting
        }
    }

    /// The jobs `jobID` waits (or waited) for.
    public func dependencies(of jobID: String) throws -> [DependencyRecord] {
        try read { db in
            try DependencyRecord.filter(Column("jobID") == jobID).order(sql: "rowid").fetchAll(db)
        }
    }

    /// Sets a queued job's reason (what it waits for) without changing its state; nothing when the
    /// job is no longer queued or the reason is the same.
    public func setQueuedReason(jobID: String, reason: String?) throws {
        try write { db in
            try db.execute(sql: "UPDATE job SET reason = ? WHERE id = ? AND state = 'queued' AND reason IS NOT ?",
                           arguments: [reason, jobID, reason])
        }
    }

    /// The bundle's own `[notify]` channels of `jobID`, if it has any.
    public func bundleNotify(jobID: String) throws -> JobNotifyRecord? {
        try read { db in try JobNotifyRecord.fetchOne(db, key: jobID) }
    }
}
