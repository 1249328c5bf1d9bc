import Foundation
import GRDB

/// One submitted bundle, from its drop to its final state. Dates are UTC, kept to the millisecond.
public struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job"

    /// The first 16 hex digits of `bundleSHA256` (see ``JobRecord/id(bundleSHA256:)``).
    public var id: String
    /// The bundle's content hash, lowercase hex; unique, so a second drop of the same bundle is detected.
    public var bundleSHA256: String
    /// The bundle name: `task.toml`'s `name`, or the dropped entry's name when rejected before parsing.
    public var name: String
    /// The entry name the bundle arrived under in `incoming/`.
    public var spoolName: String
    public var state: JobState
    public var priority: Int
    public var threads: Int
    public var memoryMB: Int
    public var wallTimeSeconds: Int
    public var model: String?
    public var kind: String?
    public var submittedAt: Date
    /// When the first attempt started.
    public var startedAt: Date?
    /// When the job reached a terminal state.
    public var finishedAt: Date?
    /// Why it failed, was rejected or cancelled, in words a user can act on.
    public var reason: String?
    /// Set by `ptune cancel`; the daemon acts on it.
    public var cancelRequested: Bool
    public var progressStep: Int?
    public var progressTotal: Int?
    /// The latest training loss (nil when none yet, or when it was not a number).
    public var lastLoss: Double?
    /// The latest dev-set metric (nil when none yet, or when it was not a number).
    public var lastDevMetric: Double?
    /// How many attempts have started.
    public var attempts: Int
    /// For a succeeded job whose prompt looks unsound (collapsed, diverged, or not above its
    /// baselines): the report's warnings, one per line; nil for a sound one.
    public var warnings: String?
    /// The user id that owned the dropped entry: the job's owner, who may cancel it. Nil for jobs
    /// recorded before owners were.
    public var ownerUID: Int?
    /// For a trial of a search: the search's job, which waits for it.
    public var parentID: String?
    /// For a trial of a search: its folder's name under the search's folder, `trials/KEY`.
    public var trialKey: String?

    public init(id: String, bundleSHA256: String, name: String, spoolName: String, state: JobState = .queued,
                priority: Int, threads: Int, memoryMB: Int, wallTimeSeconds: Int,
                model: String? = nil, kind: String? = nil,
                submittedAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil, reason: String? = nil,
                cancelRequested: Bool = false, progressStep: Int? = nil, progressTotal: Int? = nil,
                lastLoss: Double? = nil, lastDevMetric: Double? = nil, attempts: Int = 0, warnings: String? = nil,
                ownerUID: Int? = nil, parentID: String? = nil, trialKey: String? = nil) {
        self.id = id
        self.bundleSHA256 = bundleSHA256
        self.name = name
        self.spoolName = spoolName
        self.state = state
        self.priority = priority
        self.threads = threads
        self.memoryMB = memoryMB
        self.wallTimeSeconds = wallTimeSeconds
        self.model = model
        self.kind = kind
        self.submittedAt = submittedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.reason = reason
        self.cancelRequested = cancelRequested
        self.progressStep = progressStep
        self.progressTotal = progressTotal
        self.lastLoss = lastLoss
        self.lastDevMetric = lastDevMetric
        self.attempts = attempts
        self.warnings = warnings
        self.ownerUID = ownerUID
        self.parentID = parentID
        self.trialKey = trialKey
    }

    /// The job id of a bundle: the first 16 hex digits of its sha256, lowercase.
    public static func id(bundleSHA256: String) -> String {
        String(bundleSHA256.lowercased().prefix(16))
    }
}
