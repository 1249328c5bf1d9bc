import GRDB

/// Where a job stands. Stored as its raw value, so the raw values are part of the schema.
public enum JobState: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case queued
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case memoryExceeded = "memory_exceeded"
    case cancelled
    /// The daemon stopped while the job ran; the job resumes from its last checkpoint.
    case interrupted
    /// The bundle never became a runnable job (invalid, unreadable).
    case rejected

    /// A terminal state is final: the job never runs again and its state never changes.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running, .interrupted: false
        case .succeeded, .failed, .timedOut, .memoryExceeded, .cancelled, .rejected: true
        }
    }
}
