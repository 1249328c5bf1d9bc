import Foundation
import GRDB

/// A folder the daemon left in the spool for a user: `done/JOB`, `failed/JOB` or `rejected/NAME`,
/// with its size when it was handed over. Retention removes the folders and keeps these rows (and
/// the job's history), marked with when.
public struct ResultFolder: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "result_folder"

    /// The folder relative to the spool root, e.g. "done/0123456789abcdef".
    public var folder: String
    /// The job the folder belongs to; nil for a bundle rejected before it had one.
    public var jobID: String?
    public var ownerUID: Int?
    /// When its job ended or its bundle was rejected.
    public var endedAt: Date
    /// Its size on disk (allocated blocks) when the daemon handed it over.
    public var bytes: Int64
    /// When retention removed it; nil while it is kept.
    public var removedAt: Date?

    public init(folder: String, jobID: String?, ownerUID: Int?, endedAt: Date, bytes: Int64, removedAt: Date? = nil) {
        self.folder = folder
        self.jobID = jobID
        self.ownerUID = ownerUID
        self.endedAt = endedAt
        self.bytes = bytes
        self.removedAt = removedAt
    }

    /// The spool folder it lives in: "done", "failed" or "rejected".
    public var place: String { String(folder.prefix { $0 != "/" }) }
}
