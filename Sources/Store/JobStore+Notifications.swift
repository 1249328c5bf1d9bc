import Foundation
import GRDB

/// Where one job's notification on one channel stands.
public struct NotificationRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "notification"

    public enum State: String, Codable, Sendable, DatabaseValueConvertible {
        /// A delivery process runs (`pid`); its result decides.
        case sending
        /// The last delivery failed; the next is due at `nextAt`.
        case retry
        case delivered
        /// Every attempt failed; no more are made.
        case abandoned
    }

    public var jobID: String
    public var channel: String
    public var state: State
    public var attempts: Int
    public var pid: Int32?
    /// When the next try is due, in seconds since 1970 (see the schema).
    public var nextAt: Double?
    public var lastError: String?
    public var updatedAt: Date

    public init(jobID: String, channel: String, state: State, attempts: Int, pid: Int32? = nil, nextAt: Double? = nil,
                lastError: String? = nil, updatedAt: Date) {
        self.jobID = jobID
        self.channel = channel
        self.state = state
        self.attempts = attempts
        self.pid = pid
        self.nextAt = nextAt
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

extension JobStore {
    /// Makes `channels` the configured ones: a new channel notifies jobs that end from `now` on (not
    /// the whole history); a channel no longer configured is forgotten, with its outbox.
    public func configureNotifyChannels(_ channels: [String], at now: Date) throws {
        try write(durable: true) { db in
            let placeholders = channels.map { _ in "?" }.joined(separator: ", ")
            try db.execute(sql: "DELETE FROM notify_channel" + (channels.isEmpty ? "" : " WHERE channel NOT IN (\(placeholders))"),
                           arguments: StatementArguments(channels))
            try db.execute(sql: """
                DELETE FROM notification WHERE channel NOT IN (SELECT channel FROM notify_channel)
                    AND channel NOT IN (?, ?)
                """, arguments: [Self.bundleCommandChannel, Self.bundleURLChannel])
            for channel in channels {
                try db.execute(sql: "INSERT OR IGNORE INTO notify_channel (channel, enabledAt) VALUES (?, ?)",
                               arguments: [channel, now.timeIntervalSince1970])
            }
        }
    }

    /// Up to `limit` jobs in `states` that ended since `channel` was configured and are due a
    /// notification on it: never tried, or failed with the next try due by `now`. Oldest end first.
    /// A search's trials are told of through their search.
    public func dueNotifications(channel: String, states: [JobState], now: Date, limit: Int) throws -> [JobRecord] {
        try read { db in
            let placeholders = states.map { _ in "?" }.joined(separator: ", ")
            let sql = """
                SELECT job.* FROM job JOIN notify_channel c ON c.channel = ?
                LEFT JOIN notification n ON n.jobID = job.id AND n.channel = c.channel
                WHERE (julianday(job.finishedAt) - 2440587.5) * 86400.0 >= c.enabledAt - 0.001 AND job.state IN (\(placeholders))
                    AND job.parentID IS NULL
                    AND (n.jobID IS NULL OR (n.state = 'retry' AND n.nextAt <= ?))
                ORDER BY job.finishedAt, job.id LIMIT ?
                """
            return try JobRecord.fetchAll(db, sql: sql,
                                          arguments: StatementArguments([channel]) + StatementArguments(states.map(\.rawValue))
                                              + StatementArguments([now.timeIntervalSince1970, limit] as [any DatabaseValueConvertible]))
        }
    }

    /// The channels of bundles' own `[notify]` tables (`JobNotifyRecord`), by their names in the
    /// outbox.
    public static let bundleCommandChannel = "bundle.command"
    public static let bundleURLChannel = "bundle.url"

    /// Up to `limit` ended jobs whose bundle asked to be told on `channel` (`bundleCommandChannel` or
    /// `bundleURLChannel`) of their end state, due a notification: never tried, or failed with the
    /// next try due by `now`. Oldest end first.
    public func dueBundleNotifications(channel: String, now: Date, limit: Int) throws -> [(JobRecord, JobNotifyRecord)] {
        let command = channel == Self.bundleCommandChannel
        return try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT job.*, jn.command AS notifyCommand, jn.url AS notifyURL, jn.states AS notifyStates
                FROM job JOIN job_notify jn ON jn.jobID = job.id
                LEFT JOIN notification n ON n.jobID = job.id AND n.channel = ?
                WHERE ((? AND jn.command IS NOT NULL) OR (NOT ? AND jn.url IS NOT NULL)) AND job.finishedAt IS NOT NULL
                    AND instr(',' || jn.states || ',', ',' || job.state || ',') > 0
                    AND (n.jobID IS NULL OR (n.state = 'retry' AND n.nextAt <= ?))
                ORDER BY job.finishedAt, job.id LIMIT ?
                """, arguments: [channel, command, command, now.timeIntervalSince1970, limit])
            return try rows.map { row in
                let job = try JobRecord(row: row)
                var notify = JobNotifyRecord(jobID: job.id, command: row["notifyCommand"], url: row["notifyURL"], states: [])
                notify.states = row["notifyStates"]
                return (job, notify)
            }
        }
    }

    /// Notifications whose delivery process was started and has not reported.
    public func notificationsInFlight() throws -> [NotificationRecord] {
        try read { db in try NotificationRecord.filter(Column("state") == NotificationRecord.State.sending).fetchAll(db) }
    }

    /// The job's notification on `channel`, if one was ever tried.
    public func notification(jobID: String, channel: String) throws -> NotificationRecord? {
        try read { db in try NotificationRecord.fetchOne(db, key: ["jobID": jobID, "channel": channel]) }
    }

    /// Records `record` (durably: a delivery process is started only after its row says so, and a
    /// result is acted on once), with an event on the job when `event` is given.
    public func saveNotification(_ record: NotificationRecord, event: String?) throws {
        try write(durable: true) { db in
            try record.save(db)
            if let event {
                try Self.insertEvent(db, jobID: record.jobID, attempt: nil, kind: EventRecord.Kind.notify, message: event,
                                     at: record.updatedAt)
            }
        }
    }
}
