import Foundation

/// The folder a search runs in (`ptune train --out`, or the search's job folder in active/): its
/// bundle's outputs as the winning trial left them, and under `trials/KEY/` each trial's own run.
/// The daemon and the search's worker agree on these names.
public struct SearchFolder: Sendable, Equatable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// `trials/`: one folder per trial, named by the trial's key.
    public var trials: URL { root.appendingPathComponent("trials", isDirectory: true) }

    /// The folder of the trial named `key`.
    public func trial(_ key: String) -> URL { trials.appendingPathComponent(key, isDirectory: true) }

    /// `search-request.json`: the trials the search's worker asks the daemon to run as child jobs,
    /// written before it exits with ``requestExitStatus``.
    public var request: URL { root.appendingPathComponent("search-request.json") }

    /// `search-started`: when the search began (its text an ISO 8601 date), for `budget_time`.
    public var started: URL { root.appendingPathComponent("search-started") }

    /// The worker's exit status when it has asked for trials (``request``) and waits for them.
    public static let requestExitStatus: Int32 = 3
    /// A trial's worker's exit status when the search's budget was spent before the trial began:
    /// it did not run, and says why on its last message.
    public static let notRunExitStatus: Int32 = 4

    /// The folder of the search a trial's folder (`…/trials/KEY`) belongs to.
    public static func of(trialFolder: URL) -> SearchFolder {
        SearchFolder(root: trialFolder.standardizedFileURL.deletingLastPathComponent().deletingLastPathComponent())
    }
}
