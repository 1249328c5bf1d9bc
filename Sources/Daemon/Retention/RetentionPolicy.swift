import Base
import Foundation

/// How long the daemon keeps what it leaves in the spool, from the config file's `[retention]`:
///
///     [retention]
///     done_days = 90          # done/JOB of succeeded jobs
///     failed_days = 30        # failed/JOB of failed, cancelled and interrupted jobs
///     rejected_days = 14      # rejected/NAME (default 30)
///     max_gb = 200            # done/, failed/ and rejected/ together: the oldest of the user
///                             # who holds the most go first
///     artifact_days = 365     # the database's stored artifacts of jobs that ended this long ago
///     sweep_minutes = 10      # how often the daemon applies it (default 10)
///
/// Every key is optional; a missing one keeps forever, except `rejected_days` (30 by default).
/// Removing a folder keeps its job's history: `ptune history` and `ptune show` still list it, with
/// a `retention` event saying what went and why. A bundle rejected as a duplicate of an earlier
/// job always keeps only its reason, never a second copy of the bundle.
public struct RetentionPolicy: Sendable, Equatable {
    public var doneDays: Double?
    public var failedDays: Double?
    public var rejectedDays: Double? = 30
    /// The most bytes done/, failed/ and rejected/ may take together.
    public var maxBytes: Int64?
    public var artifactDays: Double?
    public var sweepSeconds: Double = 600

    public init() {}

    /// The config file's keys in `[retention]`.
    public static let keys = ["done_days", "failed_days", "rejected_days", "max_gb", "artifact_days", "sweep_minutes"]

    /// The policy `reader` (the `[retention]` table) gives, each value checked.
    public static func read(_ reader: ConfigReader) throws -> RetentionPolicy {
        try reader.checkKeys(keys)
        var policy = RetentionPolicy()
        policy.doneDays = try reader.double("done_days")
        policy.failedDays = try reader.double("failed_days")
        policy.rejectedDays = try reader.double("rejected_days") ?? policy.rejectedDays
        if let gigabytes = try reader.double("max_gb") {
            guard gigabytes < 1e9 else { throw ActionableError("\(reader.file): retention.max_gb must be below 1e9") }
            policy.maxBytes = Int64(gigabytes * 1_073_741_824)
        }
        policy.artifactDays = try reader.double("artifact_days")
        policy.sweepSeconds = try reader.double("sweep_minutes").map { $0 * 60 } ?? policy.sweepSeconds
        return policy
    }

    /// How long folders in `place` ("done", "failed" or "rejected") are kept, in seconds; nil: forever.
    func keepSeconds(of place: String) -> Double? {
        let days: Double? = switch place {
        case "done": doneDays
        case "failed": failedDays
        case "rejected": rejectedDays
        default: nil
        }
        return days.map { $0 * 86_400 }
    }

    /// A number of days in words: "1 day", "0.5 days".
    static func days(_ count: Double) -> String { count == 1 ? "1 day" : "\(count.formatted()) days" }

    /// The policy in words, for logs and `ptune gc`.
    public var summary: String {
        func days(_ value: Double?) -> String { value.map(Self.days) ?? "forever" }
        return "done/ \(days(doneDays)), failed/ \(days(failedDays)), rejected/ \(days(rejectedDays)), "
            + (maxBytes.map { "at most \(ByteCount($0)) in all" } ?? "no size limit") + ", artifacts \(days(artifactDays))"
    }
}
