import Base
import Foundation
import Glibc
import Spool
import Store

/// Takes bundles in from incoming/: watches it with inotify, rescans it now and then, waits for
/// entries copied in place to settle, claims them and turns each into a job or a rejection.
final class IntakeScanner {
    private let context: DaemonContext
    private var watcher: SpoolWatcher?
    private var lastRescan = Date.distantPast
    /// When an entry still being written in incoming/ will have settled: intake runs again then.
    private var settleCheck: Date?
    /// Set when `waitForWork` saw inotify activity; the next pass takes in the new entries.
    private var woken = false
    /// Entries inotify saw arrive complete (renamed in, or written and closed): no need to settle.
    private var arrivedWhole = Set<String>()
    /// Entries that could not be claimed (their owner made them immovable), with their status change
    /// time then: skipped, so they block no other entry, until their owner changes them. Locked:
    /// `ptune status` reads them while intake runs on its own thread.
    private var unclaimable: [String: (changeTime: Int?, reason: DaemonStatus.Untaken)] {
        get { unclaimableLock.withLock { unclaimableEntries } }
        set { unclaimableLock.withLock { unclaimableEntries = newValue } }
    }
    private var unclaimableEntries: [String: (changeTime: Int?, reason: DaemonStatus.Untaken)] = [:]
    private let unclaimableLock = NSLock()
    /// Bundles of earlier batches held for the jobs they name (`IntakeRounds`).
    private let rounds = IntakeRounds()
    /// Asked before each entry of a scan: true once the daemon is stopping.
    var shouldStop: () -> Bool = { false }

    /// The entries of incoming/ left untaken, with why, for `ptune status`.
    var untaken: [DaemonStatus.Untaken] { unclaimable.values.map(\.reason).sorted { $0.entry < $1.entry } }

    init(context: DaemonContext) {
        self.context = context
    }

    /// Starts watching incoming/; done before the first scan, so nothing dropped in between is missed.
    func startWatching() throws {
        watcher = try SpoolWatcher(layout: context.layout)
    }

    /// Makes the next `scanIfDue` scan whatever inotify and the clock say (a scan that failed is
    /// tried again).
    func scanOnNextPass() {
        woken = true
    }

    /// Takes entries in when inotify hinted, an entry has settled, or a full rescan is due; true
    /// when it scanned.
    @discardableResult
    func scanIfDue(now: Date) throws -> Bool {
        let wake = try watcher?.wait(timeout: .zero) ?? .quiet
        let hinted = woken || note(wake)
        woken = false
        let settled = settleCheck.map { now >= $0 } ?? false
            || rounds.isDue(now: now)
        guard hinted || settled || now.timeIntervalSince(lastRescan) >= context.config.rescanSeconds else { return false }
        try scan()
        return true
    }

    /// Claims every settled entry of incoming/ and takes it in.
    func scan() throws {
        lastRescan = context.clock.now()
        let names = try SpoolIntake.scanIncoming(context.layout)
        let (ready, nextCheck) = SpoolIntake.settled(names, whole: arrivedWhole, layout: context.layout,
                                                     quietFor: context.config.settleSeconds, now: lastRescan)
        settleCheck = nextCheck
        arrivedWhole.formIntersection(names)
        arrivedWhole.subtract(ready)
        unclaimable = unclaimable.filter { names.contains($0.key) }
        var batch: [(ClaimedEntry, String)] = []
        for name in ready where unclaimable[name].map({ $0.changeTime != changeTime(name) }) ?? true {
            if shouldStop() { break }
            unclaimable[name] = nil
            if let claimed = try settle(name, try SpoolIntake.claim(name, layout: context.layout)) {
                batch.append((claimed, name))
            }
        }
        try takeIn(batch)
    }

    /// Takes claimed entries in, with those held from earlier batches, in rounds (`IntakeRounds`).
    func takeIn(_ batch: [(claimed: ClaimedEntry, spoolName: String)]) throws {
        let marker = IntakeMarker(layout: context.layout)
        // The manifests are first read under the marker too: one that crashes the parser is then
        // rejected after a second death instead of stopping every start.
        let peek = { (claimed: ClaimedEntry) throws -> (name: String?, references: [String]) in
            try marker.begin(claimed.url.lastPathComponent)
            defer { marker.end() }
            return BundleLoader.peek(directory: claimed.url)
        }
        try rounds.run(batch, now: context.clock.now(), shouldStop: shouldStop, peek: peek) { entry, round, pendingNames in
            try takeIn(entry.claimed, spoolName: entry.spoolName, round: round, pendingNames: pendingNames)
        }
    }

    /// Finishes the claims a crash or a failed pass left half-done.
    func resumeClaims() throws {
        for record in try SpoolIntake.unfinishedClaims(context.layout) {
            _ = try settle(record.entry, try SpoolIntake.resumeClaim(record, layout: context.layout))
        }
    }

    /// Acts on what a claim of `incoming/NAME` came to: returns the claimed copy to take in, or logs
    /// why it was not claimed.
    private func settle(_ name: String, _ outcome: ClaimOutcome) throws -> ClaimedEntry? {
        switch outcome {
        case .claimed(let claimed):
            return claimed
        case .gone:
            break
        case .leftInPlace(let error):
            unclaimable[name] = (changeTime(name), DaemonStatus.Untaken(entry: name, reason: error.description,
                                                                        since: context.clock.now()))
            context.logger.error("cannot claim an entry of incoming/; it stays there, skipped until it changes",
                                 metadata: ["entry": "\(name)", "error": "\(error)"])
        case .rejected(let place, let error, let owner):
            context.counters.countRejected(.unsafe)
            context.deliver(place, to: Int(owner), jobID: nil)
            context.logger.notice("rejected bundle", metadata: ["entry": "\(name)", "reason": "\(error.message)",
                                                                "folder": "\(place.lastPathComponent)"])
        }
        return nil
    }

    /// The status change time of `incoming/NAME` (a chmod or chown by its owner changes it), in
    /// nanoseconds; nil when it is gone.
    private func changeTime(_ name: String) -> Int? {
        guard let info = try? FileSystem.status(context.layout.incoming.path + "/" + name) else { return nil }
        return info.st_ctim.tv_sec * 1_000_000_000 + info.st_ctim.tv_nsec
    }

    /// Takes a claimed entry in as a job or rejects it, unless `round` defers it. An I/O or database
    /// failure is rethrown (the entry stays claimed and a later pass retries it); any other failure
    /// (an unreadable or vanished entry) rejects it with the reason, so it neither blocks the entries
    /// behind it nor is lost.
    private func takeIn(_ claimed: ClaimedEntry, spoolName name: String, round: IntakeRound,
                        pendingNames: Set<String>) throws -> IntakeResult {
        let marker = IntakeMarker(layout: context.layout)
        try marker.begin(claimed.url.lastPathComponent)
        defer { marker.end() }
        var result = IntakeResult.rejected
        do {
            result = try Intake(context: context, owner: Int(claimed.owner), round: round, pendingNames: pendingNames)
                .process(claimed: claimed.url, spoolName: name)
            if result == .deferred { return .deferred }
            context.counters.countTaken()
        } catch where Self.isTransient(error) {
            throw error
        } catch {
            context.logger.error("cannot take in a bundle", metadata: ["entry": "\(name)", "error": "\(error)"])
            if FileManager.default.fileExists(atPath: claimed.url.path) {
                let place = try SpoolIntake.reject(claimed: claimed.url, problems: [TaskProblem(
                    file: name, message: "the daemon could not take it in: \(error)",
                    hint: "check the bundle's files are readable, then submit it again")], layout: context.layout)
                context.counters.countRejected(.unreadable)
                context.deliver(place, to: Int(claimed.owner), jobID: nil)
            }
            context.counters.countTaken()
        }
        SpoolIntake.release(claimed, layout: context.layout)
        return result
    }

    /// Failures of the machine rather than of the bundle: a full disk, an I/O error, the database.
    static func isTransient(_ error: Error) -> Bool {
        switch error {
        case let error as FileError: return error.isMachineFailure
        case is StoreError: return true
        default: return false
        }
    }

    /// Sleeps up to `milliseconds`, waking early when something arrives in incoming/; without a
    /// watcher (or while stopping) it just sleeps.
    func waitForWork(milliseconds: Int, stopping: Bool) throws {
        guard let watcher, !stopping else {
            usleep(UInt32(milliseconds * 1000))
            return
        }
        if note(try watcher.wait(timeout: .milliseconds(milliseconds))) { woken = true }
    }

    /// Records what inotify said about incoming/; true when there is something to take in.
    private func note(_ wake: SpoolWatcher.Wake) -> Bool {
        switch wake {
        case .changed(let names, let whole):
            arrivedWhole.subtract(names)
            arrivedWhole.formUnion(whole)
            return true
        case .overflowed:
            return true
        case .quiet, .cancelled:
            return false
        }
    }
}
