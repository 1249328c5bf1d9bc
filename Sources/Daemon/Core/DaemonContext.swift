import Foundation
import Logging
import Spool
import Store

/// The clock the daemon reads: the system's, or one a test moves by hand.
public protocol DaemonClock {
    func now() -> Date
}

/// The system's clock.
public struct SystemClock: DaemonClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// What every part of the daemon shares: its settings, the spool, the database, the log, the clock,
/// and the counters the metrics report.
struct DaemonContext {
    let config: DaemonConfig
    let layout: SpoolLayout
    let store: JobStore
    let logger: Logger
    let clock: DaemonClock
    let counters: ServiceCounters

    /// active/JOB: the job's bundle, checkpoints and outputs while it is in the daemon's hands.
    func directory(of jobID: String) -> URL { layout.active.appendingPathComponent(jobID) }
}
