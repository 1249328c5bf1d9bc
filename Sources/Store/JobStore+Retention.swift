import Foundation
import GRDB

extension JobStore {
    /// Records a folder handed to a user, replacing an earlier row of the same folder; without
    /// `replacing`, a row recorded meanwhile (by the daemon that handed it over) is kept instead.
    public func recordResultFolder(_ folder: ResultFolder, replacing: Bool = true) throws {
        try write { db in
            if replacing { try folder.save(db) } else { try folder.insert(db, onConflict: .ignore) }
        }
    }

    /// Folders not yet removed, oldest first; with `includingRemoved`, every folder ever recorded.
    public func resultFolders(includingRemoved: Bool = false) throws -> [ResultFolder] {
        try read { db in
            var request = ResultFolder.order(Column("endedAt"), Column("folder"))
            if !includingRemoved { request = request.filter(Column("removedAt") == nil) }
            return try request.fetchAll(db)
        }
    }

    /// Marks `folders` removed in one transaction, with an event on each one's job saying `why`.
    public func markRemoved(_ folders: [(folder: ResultFolder, why: String)], at date: Date) throws {
        guard !folders.isEmpty else { return }
        try write { db in
            for (folder, why) in folders {
                try db.execute(sql: "UPDATE result_folder SET removedAt = ? WHERE folder = ?", arguments: [date, folder.folder])
                guard let jobID = folder.jobID, try JobRecord.exists(db, key: jobID) else { continue }
                try Self.insertEvent(db, jobID: jobID, attempt: nil, kind: EventRecord.Kind.retention,
                                     message: "\(folder.folder) removed: \(why)", at: date)
            }
        }
    }

    /// Up to `limit` jobs that ended before `cutoff` and still have artifacts or log lines, oldest first.
    public func jobsWithArtifacts(endedBefore cutoff: Date, limit: Int) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                SELECT id FROM job WHERE finishedAt < ?
                    AND (EXISTS (SELECT 1 FROM artifact WHERE jobID = job.id) OR EXISTS (SELECT 1 FROM log_line WHERE jobID = job.id))
                ORDER BY finishedAt, id LIMIT ?
                """, arguments: [cutoff, limit])
        }
    }

    /// Deletes the artifacts and log lines of `jobIDs` in one transaction, with an event on each job
    /// saying `why`; the jobs, attempts, events and metrics stay. Returns the compressed bytes freed.
    @discardableResult
    public func dropArtifacts(jobIDs: [String], why: String, at date: Date) throws -> Int64 {
        guard !jobIDs.isEmpty else { return 0 }
        return try write { db in
            var freed: Int64 = 0
            for id in jobIDs {
                freed += try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(compressedSize), 0) FROM artifact WHERE jobID = ?",
                                            arguments: [id]) ?? 0
                try db.execute(sql: "DELETE FROM artifact WHERE jobID = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM log_line WHERE jobID = ?", arguments: [id])
                try Self.insertEvent(db, jobID: id, attempt: nil, kind: EventRecord.Kind.retention,
                                     message: "artifacts dropped: \(why)", at: date)
            }
            return freed
        }
    }
}
