import Synchronization

/// The status the scheduler last published (what `control/status.json` holds), for readers on
/// other threads: the metrics exporter reads it without ever waiting for a pass.
public final class PublishedStatus: Sendable {
    private let latest = Mutex<DaemonStatus?>(nil)

    public init() {}

    /// The last status published; nil before the first.
    public var current: DaemonStatus? { latest.withLock { $0 } }

    func publish(_ status: DaemonStatus) { latest.withLock { $0 = status } }
}
