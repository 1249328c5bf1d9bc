import Foundation
import GRDB

/// The history summed up for monitoring: jobs by state and owner, attempts, and how long jobs
/// waited and ran. Every figure comes from the job rows, so it survives restarts of the daemon.
public struct QueueFigures: Sendable, Equatable {
    /// Jobs in one state owned by one user (nil: recorded before owners were, or unknown).
    public struct Count: Sendable, Equatable {
        public var state: JobState
        public var ownerUID: Int?
        public var jobs: Int
    }

    /// A cumulative histogram of durations in seconds, as Prometheus keeps one.
    public struct Histogram: Sendable, Equatable {
        /// Upper bounds, ascending; the implicit last bucket is +Inf (`count`).
        public var bounds: [Double]
        /// How many durations are at most each bound.
        public var cumulative: [Int]
        public var count: Int
        public var sum: Double
    }

    public var counts: [Count]
    /// Attempts started, summed over every job.
    public var attempts: Int
    /// From submission to the first attempt's start, for every job that started.
    public var queueWait: Histogram
    /// From the first attempt's start to the end, for every job that ended after starting.
    public var runTime: Histogram
}

extension JobStore {
    /// Bucket bounds in seconds for both histograms: jobs take from seconds to days.
    public static let durationBounds: [Double] = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 7 * 86400]

    /// The figures of `QueueFigures`, read in one transaction so they agree with each other.
    public func queueFigures() throws -> QueueFigures {
        try read { db in
            let counts = try Row.fetchAll(db, sql: "SELECT state, ownerUID, COUNT(*) AS n FROM job GROUP BY state, ownerUID")
                .map { row in
                    QueueFigures.Count(state: try row.decode(JobState.self, forColumn: "state"),
                                       ownerUID: row["ownerUID"], jobs: row["n"])
                }
            let attempts = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(attempts), 0) FROM job") ?? 0
            let wait = try Self.histogram(db, of: "startedAt", since: "submittedAt", where: "startedAt IS NOT NULL")
            let run = try Self.histogram(db, of: "finishedAt", since: "startedAt",
                                         where: "startedAt IS NOT NULL AND finishedAt IS NOT NULL")
            return QueueFigures(counts: counts, attempts: attempts, queueWait: wait, runTime: run)
        }
    }

    /// The histogram of `end - start` in seconds over the rows matching `condition` (column names
    /// are this file's constants, never user text).
    private static func histogram(_ db: Database, of end: String, since start: String,
                                  where condition: String) throws -> QueueFigures.Histogram {
        let seconds = "MAX(0, (julianday(\(end)) - julianday(\(start))) * 86400.0)"
        let buckets = durationBounds.map { "SUM(CASE WHEN \(seconds) <= \($0) THEN 1 ELSE 0 END)" }
        let sql = "SELECT COUNT(*), COALESCE(SUM(\(seconds)), 0), " + buckets.joined(separator: ", ")
            + " FROM job WHERE \(condition)"
        guard let row = try Row.fetchOne(db, sql: sql) else {
            return QueueFigures.Histogram(bounds: durationBounds, cumulative: durationBounds.map { _ in 0 }, count: 0, sum: 0)
        }
        let cumulative = (0..<durationBounds.count).map { (row[$0 + 2] as Int?) ?? 0 }
        return QueueFigures.Histogram(bounds: durationBounds, cumulative: cumulative, count: row[0], sum: row[1])
    }
}
