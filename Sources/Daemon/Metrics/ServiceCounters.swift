import Synchronization

/// Why the daemon turned an entry of incoming/ away: the `reason` label of
/// `ptune_bundles_rejected_total`, a short fixed set so the label stays small.
public enum RejectionCause: String, CaseIterable, Sendable {
    /// The entry could not be claimed safely (a link, a device, a tree the daemon cannot take over).
    case unsafe
    /// An archive that does not unpack, or files the daemon could not read.
    case unreadable
    /// A bundle already submitted.
    case duplicate
    /// task.toml, the data or the prompt it names are wrong.
    case invalid
    /// A model outside the model directory, or limits no budget of this daemon grants.
    case notRunnable = "not_runnable"
    /// Reading the bundle stopped the daemon repeatedly, or a rejection was cut short by a crash.
    case recovery
}

/// Counts the daemon keeps in memory since it started (Prometheus counters reset with the process,
/// which `rate()` expects): entries taken in, and rejections by cause. Safe from any thread.
public final class ServiceCounters: Sendable {
    private struct Counts {
        var taken = 0
        var rejected: [RejectionCause: Int] = [:]
    }

    private let counts = Mutex(Counts())

    public init() {}

    /// An entry of incoming/ was claimed and taken in (as a job or a rejection).
    func countTaken() { counts.withLock { $0.taken += 1 } }

    /// An entry was rejected for `cause`.
    func countRejected(_ cause: RejectionCause) { counts.withLock { $0.rejected[cause, default: 0] += 1 } }

    /// Entries taken in since the start.
    public var taken: Int { counts.withLock { $0.taken } }

    /// Rejections since the start, every cause present.
    public var rejected: [RejectionCause: Int] {
        counts.withLock { c in Dictionary(uniqueKeysWithValues: RejectionCause.allCases.map { ($0, c.rejected[$0] ?? 0) }) }
    }
}
