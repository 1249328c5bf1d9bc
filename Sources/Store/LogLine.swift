import Foundation
import GRDB

/// One line of a job's log: what its worker printed, or a progress line the daemon wrote from the
/// worker's messages, in the order the daemon received them.
public struct LogLine: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "log_line"

    /// Increasing in the order lines were recorded (nil before insertion).
    public var id: Int64?
    public var jobID: String
    public var attempt: Int
    public var at: Date
    public var text: String

    public init(jobID: String, attempt: Int, at: Date, text: String) {
        self.jobID = jobID
        self.attempt = attempt
        self.at = at
        self.text = text
    }
}

extension JobStore {
    /// Appends `lines` in one transaction.
    public func appendLogLines(_ lines: [LogLine]) throws {
        guard !lines.isEmpty else { return }
        try write { db in
            for line in lines { try line.insert(db) }
        }
    }

    /// The job's log lines after the line `afterID` (all when nil), oldest first; with `last`, only
    /// the last that many of them.
    public func logLines(jobID: String, afterID: Int64? = nil, last: Int? = nil) throws -> [LogLine] {
        try read { db in
            var request = LogLine.filter(Column("jobID") == jobID)
            if let afterID { request = request.filter(Column("id") > afterID) }
            guard let last else { return try request.order(Column("id")).fetchAll(db) }
            return try request.order(Column("id").desc).limit(max(0, last)).fetchAll(db).reversed()
        }
    }
}
