import Foundation
import Spool

/// Takes a batch of claimed bundles in, in rounds, so bundles dropped together may name each other
/// (`after`, `[prompt] job`) in any order of arrival: first those that name no other job, then the
/// others while each round takes some in; a bundle naming another of the same owner's bundles still
/// waiting waits for it, even when an older job has that name. What is left naming a job not there
/// is held for `nameGraceSeconds` (a bundle dropped just after it may bring it), at most
/// `maxHeldPerOwner` per owner, then rejected.
final class IntakeRounds {
    struct Entry {
        var claimed: ClaimedEntry
        var spoolName: String
        /// When the batch that brought it was taken up.
        var since: Date
        /// The `name` of its manifest and the jobs it names (none known for an archive, or when
        /// the manifest cannot be read: `BundleLoader.peek`).
        var name: String?
        var references: [String]
    }

    static let nameGraceSeconds = 10.0
    /// Bundles held for one owner at most; more naming jobs not there are rejected at once (each
    /// held one is read again whenever new bundles arrive).
    static let maxHeldPerOwner = 32

    private(set) var held: [Entry] = []

    /// Whether a held bundle's time is up.
    func isDue(now: Date) -> Bool {
        held.contains { now.timeIntervalSince($0.since) >= Self.nameGraceSeconds }
    }

    /// Runs `takeIn` over the batch and the held bundles, round by round. `takeIn` gets the round
    /// and the names of the same owner's other bundles still waiting. Held bundles are read again
    /// only for new ones (which may be what they wait for) or once their time is up.
    func run(_ batch: [(claimed: ClaimedEntry, spoolName: String)], now: Date, shouldStop: () -> Bool,
             takeIn: (Entry, IntakeRound, Set<String>) throws -> IntakeResult) throws {
        let fresh = batch.filter { entry in !held.contains { $0.claimed.url == entry.claimed.url } }
        guard !fresh.isEmpty || isDue(now: now) else { return }
        var waiting = held + fresh.map {
            let peek = BundleLoader.peek(directory: $0.claimed.url)
            return Entry(claimed: $0.claimed, spoolName: $0.spoolName, since: now, name: peek.name, references: peek.references)
        }
        held = []
        var round = IntakeRound.first
        while !waiting.isEmpty {
            var deferred: [Entry] = []
            for (index, entry) in waiting.enumerated() {
                if shouldStop() { return }
                let others = (deferred + waiting[(index + 1)...])
                    .filter { $0.claimed.owner == entry.claimed.owner && $0.name != entry.name }.compactMap(\.name)
                if try takeIn(entry, round, Set(others)) == .deferred { deferred.append(entry) }
            }
            switch round {
            case .first:
                round = .later
                deferred = Self.inOrderOfNeed(deferred)
            case .later:
                if deferred.count == waiting.count {
                    round = .last
                    hold(deferred.filter { now.timeIntervalSince($0.since) < Self.nameGraceSeconds })
                    deferred = deferred.filter { entry in !held.contains { $0.claimed.url == entry.claimed.url } }
                }
            case .last:
                return
            }
            waiting = deferred
        }
    }

    /// `entries` with each after the bundles of its owner it names (a stable order by depth in that
    /// graph; a cycle counts once), so a chain dropped in any order is taken in in one round.
    static func inOrderOfNeed(_ entries: [Entry]) -> [Entry] {
        var depths: [Int: Int] = [:]
        func depth(_ index: Int, visiting: Set<Int>) -> Int {
            if let known = depths[index] { return known }
            let entry = entries[index]
            let needed = entries.indices.filter { other in
                other != index && !visiting.contains(other) && entries[other].claimed.owner == entry.claimed.owner
                    && entries[other].name.map(entry.references.contains) == true
            }
            let value = needed.map { depth($0, visiting: visiting.union([index])) + 1 }.max() ?? 0
            depths[index] = value
            return value
        }
        return entries.indices.map { ($0, depth($0, visiting: [])) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map { entries[$0.0] }
    }

    private func hold(_ entries: [Entry]) {
        var perOwner: [uid_t: Int] = [:]
        for entry in entries {
            perOwner[entry.claimed.owner, default: 0] += 1
            if perOwner[entry.claimed.owner]! <= Self.maxHeldPerOwner { held.append(entry) }
        }
    }
}
