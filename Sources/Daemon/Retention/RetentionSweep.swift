import Base
import Foundation
import Glibc
import Logging
import Spool
import Store

/// Applies a `RetentionPolicy` to a spool and its database, in slices the daemon runs between its
/// supervision passes, so pruning thousands of folders never holds up a wall-time, memory or cancel
/// check. A sweep finds folders the database does not know yet (`RetentionSurvey`), plans from the
/// recorded sizes and dates (`RetentionPlan`), removes each planned folder (`TreeOwnership
/// .reclaimAndRemove`) and marks it removed, then drops old artifacts from the database; then it
/// waits `sweepSeconds`. A folder is removed before its row is marked, so a crash in between only
/// leaves a row the next sweep finds gone. No failure here stops the daemon: it is logged, and the
/// sweep starts over later.
public final class RetentionSweep {
    private enum Phase {
        case waiting(until: Date)
        case tracking([String])
        case removing([RetentionPlan.Removal])
        case droppingArtifacts
    }

    /// What the sweeps so far did.
    public struct Totals: Sendable, Equatable {
        public var foldersRemoved = 0
        public var bytesFreed: Int64 = 0
        public var jobsWithArtifactsDropped = 0
        public var failures = 0
    }

    private let survey: RetentionSurvey
    private let store: JobStore
    private let policy: RetentionPolicy
    private let logger: Logger
    private var phase = Phase.waiting(until: .distantPast)
    public private(set) var totals = Totals()
    /// `totals` when the current sweep began, for its summary.
    private var atSweepStart = Totals()

    /// Jobs whose artifacts are dropped in one transaction.
    static let artifactBatch = 200

    public init(layout: SpoolLayout, store: JobStore, policy: RetentionPolicy, logger: Logger) {
        survey = RetentionSurvey(layout: layout, store: store)
        self.store = store
        self.policy = policy
        self.logger = logger
    }

    /// True while a sweep is under way (the daemon then waits less between passes).
    public var isBusy: Bool {
        if case .waiting = phase { return false }
        return true
    }

    /// Works on the sweep until `deadline` (at least one step), starting one when it is due at `now`.
    public func advance(now: Date, until deadline: Date) {
        do {
            repeat {
                guard try step(now: now) else { return }
            } while Date() < deadline
        } catch {
            totals.failures += 1
            logger.error("retention sweep failed; it starts over later", metadata: ["error": "\(error)"])
            phase = .waiting(until: now.addingTimeInterval(min(policy.sweepSeconds, 60)))
        }
    }

    /// What a sweep at `now` would remove, and how many jobs' artifacts it would drop, changing
    /// nothing (`ptune gc --dry-run`).
    public static func preview(layout: SpoolLayout, store: JobStore, policy: RetentionPolicy,
                               now: Date) throws -> (plan: RetentionPlan, jobsWithArtifacts: Int) {
        let survey = RetentionSurvey(layout: layout, store: store)
        let (untracked, gone) = try survey.unrecorded()
        let goneFolders = Set(gone.map(\.folder))
        let folders = try store.resultFolders().filter { !goneFolders.contains($0.folder) } + untracked.map { try survey.measure($0) }
        let artifacts = try policy.artifactDays.map {
            try store.jobsWithArtifacts(endedBefore: now.addingTimeInterval(-$0 * 86_400), limit: Int.max).count
        } ?? 0
        return (RetentionPlan(folders: folders, policy: policy, now: now), artifacts)
    }

    /// One step; false when there is nothing to do before the next sweep.
    private func step(now: Date) throws -> Bool {
        switch phase {
        case .waiting(let until):
            guard now >= until else { return false }
            atSweepStart = totals
            let (untracked, gone) = try survey.unrecorded()
            try store.markRemoved(gone.map { ($0, "no longer in the spool") }, at: now)
            phase = .tracking(untracked)
        case .tracking(var queue):
            if let name = queue.popLast() {
                try store.recordResultFolder(survey.measure(name), replacing: false)
                phase = .tracking(queue)
            } else {
                phase = .removing(RetentionPlan(folders: try store.resultFolders(), policy: policy, now: now).removals.reversed())
            }
        case .removing(var queue):
            guard let removal = queue.popLast() else {
                phase = .droppingArtifacts
                return true
            }
            // A folder with more entries than one step removes stays first in the queue.
            phase = .removing(try remove(removal, now: now) ? queue : queue + [removal])
        case .droppingArtifacts:
            guard let days = policy.artifactDays,
                  case let ids = try store.jobsWithArtifacts(endedBefore: now.addingTimeInterval(-days * 86_400), limit: Self.artifactBatch),
                  !ids.isEmpty else {
                phase = .waiting(until: now.addingTimeInterval(policy.sweepSeconds))
                logSummary()
                return false
            }
            try store.dropArtifacts(jobIDs: ids, why: "its job ended more than \(RetentionPolicy.days(days)) ago (retention.artifact_days)", at: now)
            totals.jobsWithArtifactsDropped += ids.count
        }
        return true
    }

    /// Entries one step removes at most, so a folder its owner filled with millions of files
    /// is removed over many slices.
    static let entriesPerStep = 2000

    /// Removes the folder (or the next `entriesPerStep` entries of it); false when some are left.
    private func remove(_ removal: RetentionPlan.Removal, now: Date) throws -> Bool {
        let owner = removal.folder.ownerUID.flatMap { $0 >= 0 ? uid_t($0) : nil }
        do {
            guard try TreeOwnership.reclaimAndRemove(survey.path(of: removal.folder.folder), owner: owner,
                                                     maxEntries: Self.entriesPerStep) else { return false }
        } catch {
            totals.failures += 1
            logger.warning("retention cannot remove a folder; it is kept", metadata: [
                "folder": "\(removal.folder.folder)", "error": "\(error)"])
            return true
        }
        try store.markRemoved([(removal.folder, removal.why)], at: now)
        totals.foldersRemoved += 1
        totals.bytesFreed += removal.folder.bytes
        logger.debug("retention removed a folder", metadata: ["folder": "\(removal.folder.folder)", "why": "\(removal.why)"])
        return true
    }

    private func logSummary() {
        let removed = totals.foldersRemoved - atSweepStart.foldersRemoved
        let dropped = totals.jobsWithArtifactsDropped - atSweepStart.jobsWithArtifactsDropped
        guard removed > 0 || dropped > 0 else { return }
        logger.notice("retention sweep done", metadata: [
            "folders_removed": "\(removed)", "freed": "\(ByteCount(totals.bytesFreed - atSweepStart.bytesFreed))",
            "jobs_with_artifacts_dropped": "\(dropped)", "policy": "\(policy.summary)"])
    }
}
