import GRDB

/// One job a queued job waits for (`after` or `after_any` in its bundle), resolved at intake.
public struct DependencyRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "dependency"

    public enum Kind: String, Codable, Sendable, DatabaseValueConvertible {
        /// Met when the other job succeeds; any other end cancels the waiting job (Slurm's `afterok`).
        case ok
        /// Met when the other job ends, in any state (`afterany`).
        case any
    }

    public var jobID: String
    /// The id of the job waited for.
    public var dependsOn: String
    /// What the bundle wrote (an id, a prefix or a name), for messages.
    public var reference: String
    public var kind: Kind
    /// The waited-for job's prompt answers this prediction job's records (its `[prompt] job`); the
    /// daemon copies it into the job's folder when the job starts.
    public var providesPrompt: Bool

    public init(jobID: String, dependsOn: String, reference: String, kind: Kind, providesPrompt: Bool = false) {
        self.jobID = jobID
        self.dependsOn = dependsOn
        self.reference = reference
        self.kind = kind
        self.providesPrompt = providesPrompt
    }

    /// Whether a waited-for job in `state` lets this one go on: nil while it has not ended, true when
    /// the dependency is met, false when it can never be.
    public func isMet(by state: JobState) -> Bool? {
        guard state.isTerminal else { return nil }
        return kind == .any || state == .succeeded
    }
}

/// A dependency with where the job waited for stands now.
public struct DependencyStatus: Sendable, Equatable {
    public var dependency: DependencyRecord
    public var name: String
    public var state: JobState
    public var reason: String?
}

/// A bundle's own `[notify]` channels, as the daemon accepted them at intake.
public struct JobNotifyRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job_notify"

    public var jobID: String
    /// The name of a command of the config's `notify.bundle_commands`.
    public var command: String?
    public var url: String?
    /// The end states told, comma-separated raw values.
    public var states: String

    public init(jobID: String, command: String?, url: String?, states: [JobState]) {
        self.jobID = jobID
        self.command = command
        self.url = url
        self.states = states.map(\.rawValue).joined(separator: ",")
    }

    public var endStates: [JobState] { states.split(separator: ",").compactMap { JobState(rawValue: String($0)) } }
}
