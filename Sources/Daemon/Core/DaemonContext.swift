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

    /// Where `job` works: active/JOB, or for a search's trial its folder in the search's,
    /// active/PARENT/trials/KEY.
    func directory(of job: JobRecord) -> URL {
        guard let parent = job.parentID, let key = job.trialKey else { return directory(of: job.id) }
        return SearchFolder(root: directory(of: parent)).trial(key)
    }

    /// The bundle `job` runs: its own, or for a trial its search's.
    func bundle(of job: JobRecord) -> URL {
        directory(of: job.parentID ?? job.id).appendingPathComponent("bundle")
    }
}
