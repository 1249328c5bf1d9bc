import Foundation
import GRDB

/// One line of a job's (or the daemon's) history, for `ptune show`.
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "event"

    /// The kinds of event the store writes itself; callers add their own kinds freely.
    public enum Kind {
        /// A job changed state; the message says from what to what, and why.
        public static let state = "state"
        /// An attempt started or finished.
        public static let attempt = "attempt"
        /// A user asked to cancel the job.
        public static let cancel = "cancel"
        /// The job succeeded, but its report warns about the prompt.
        public static let warning = "warning"
        /// Retention removed the job's folder or dropped its artifacts.
        public static let retention = "retention"
        /// A notification of the job's end was delivered, failed, or given up.
        public static let notify = "notify"
        /// The job waits for another (`after`), or its wait ended.
        public static let dependency = "dependency"
    }

    public var id: Int64
    /// nil for events of the daemon itself.
    public var jobID: String?
    /// The attempt number the event belongs to, if any.
    public var attempt: Int?
    public var at: Date
    public var kind: String
    public var message: String

    public init(id: Int64, jobID: String?, attempt: Int?, at: Date, kind: String, message: String) {
        self.id = id
        self.jobID = jobID
        self.attempt = attempt
        self.at = at
        self.kind = kind
        self.message = message
    }
}
