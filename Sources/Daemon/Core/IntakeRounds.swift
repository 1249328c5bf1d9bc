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
    /// `peek` reads a claimed bundle's name and the jobs it names (`BundleLoader.peek`).
    func run(_ batch: [(claimed: ClaimedEntry, spoolName: String)], now: Date, shouldStop: () -> Bool,
             peek: (ClaimedEntry) throws -> (name: String?, references: [String]),
             takeIn: (Entry, IntakeRound, Set<String>) throws -> IntakeResult) throws {
        let fresh = batch.filter { entry in !held.contains { $0.claimed.url == entry.claimed.url } }
        guard !fresh.isEmpty || isDue(now: now) else { return }
        var waiting = held
        for entry in fresh {
            let (name, references) = try peek(entry.claimed)
            waiting.append(Entry(claimed: entry.claimed, spoolName: entry.spoolName, since: now, name: name, references: references))
        }
        held = []
        // Names of bundles of this batch that were rejected: a reference to one is no reference to
        // an older job of that name.
        var rejected: [(owner: uid_t, name: String)] = []
        var round = IntakeRound.first
        while !waiting.isEmpty {
            var deferred: [Entry] = []
            for (index, entry) in waiting.enumerated() {
                if shouldStop() { return }
                let others = (deferred + waiting[(index + 1)...])
                    .filter { $0.claimed.owner == entry.claimed.owner && $0.name != entry.name }.compactMap(\.name)
                    + rejected.filter { $0.owner == entry.claimed.owner && $0.name != entry.name }.map(\.name)
                switch try takeIn(entry, round, Set(others)) {
                case .deferred: deferred.append(entry)
                case .rejected: if let name = entry.name { rejected.append((entry.claimed.owner, name)) }
                case .taken: break
                }
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

    /// `entries` with each after the bundles of its owner it names (Kahn's order, ties in their
    /// given order; those in a cycle last), so a chain dropped in any order is taken in in one round.
    static func inOrderOfNeed(_ entries: [Entry]) -> [Entry] {
        var named: [String: [Int]] = [:]
        for (index, entry) in entries.enumerated() {
            if let name = entry.name { named["\(entry.claimed.owner)/\(name)", default: []].append(index) }
        }
        var needs = [Int](repeating: 0, count: entries.count)
        var neededBy = [[Int]](repeating: [], count: entries.count)
        for (index, entry) in entries.enumerated() {
            for reference in Set(entry.references) {
                for other in named["\(entry.claimed.owner)/\(reference)"] ?? [] where other != index {
                    needs[index] += 1
                    neededBy[other].append(index)
                }
            }
        }
        var ready = entries.indices.filter { needs[$0] == 0 }
        var order: [Int] = []
        var placed = [Bool](repeating: false, count: entries.count)
        while !ready.isEmpty {
            let index = ready.removeFirst()
            order.append(index)
            placed[index] = true
            for next in neededBy[index] {
                needs[next] -= 1
                if needs[next] == 0 { ready.append(next) }
            }
            ready.sort()
        }
        return (order + entries.indices.filter { !placed[$0] }).map { entries[$0] }
    }

    private func hold(_ entries: [Entry]) {
        var perOwner: [uid_t: Int] = [:]
        for entry in entries {
            perOwner[entry.claimed.owner, default: 0] += 1
            if perOwner[entry.claimed.owner]! <= Self.maxHeldPerOwner { held.append(entry) }
        }
    }
}
