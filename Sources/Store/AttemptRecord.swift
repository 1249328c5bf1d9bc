import Foundation
import GRDB

/// One run of a job's worker. A job resumed after an interruption has several.
public struct AttemptRecord: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "attempt"

    public var id: Int64
    public var jobID: String
    /// 1 for the first attempt of the job, then 2, 3, ...
    public var number: Int
    /// `running` while the worker lives, then the state it ended in.
    public var state: JobState
    public var pid: Int32?
    public var startedAt: Date
    public var finishedAt: Date?
    public var exitStatus: Int32?
    public var reason: String?
    public var peakRSSMB: Double?
    /// The cluster's id for the attempt (a Slurm job id) when a cluster ran it; nil for a local worker.
    public var clusterJobID: String?
    /// The cluster node the attempt ran on, once known.
    public var node: String?

    public init(id: Int64, jobID: String, number: Int, state: JobState, pid: Int32?, startedAt: Date,
                finishedAt: Date? = nil, exitStatus: Int32? = nil, reason: String? = nil, peakRSSMB: Double? = nil,
                clusterJobID: String? = nil, node: String? = nil) {
        self.id = id
        self.jobID = jobID
        self.number = number
        self.state = state
        self.pid = pid
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitStatus = exitStatus
        self.reason = reason
        self.peakRSSMB = peakRSSMB
        self.clusterJobID = clusterJobID
        self.node = node
    }
}
