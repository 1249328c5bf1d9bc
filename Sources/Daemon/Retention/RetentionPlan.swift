import Base
import Foundation
import Store

/// What a retention sweep removes, worked out from the recorded folders alone (no file is read):
/// first every folder past its place's age, then, while the rest take more than `maxBytes`, the
/// oldest folder of the user who holds the most. So no user can push another's results out by
/// filling the spool: their own go first.
public struct RetentionPlan: Sendable {
    /// A folder to remove, and why, in words for its job's history and for `ptune gc`.
    public struct Removal: Sendable, Equatable {
        public var folder: ResultFolder
        public var why: String
    }

    public private(set) var removals: [Removal] = []
    /// The bytes the kept folders take, once the removals are done.
    public private(set) var keptBytes: Int64 = 0

    /// The plan for `folders` (not yet removed, in any order) under `policy` at `now`.
    public init(folders: [ResultFolder], policy: RetentionPolicy, now: Date) {
        var kept: [ResultFolder] = []
        for folder in folders.sorted(by: Self.olderFirst) {
            if let seconds = policy.keepSeconds(of: folder.place), now.timeIntervalSince(folder.endedAt) > seconds {
                removals.append(Removal(folder: folder, why: "ended more than \(RetentionPolicy.days(seconds / 86_400)) ago (retention.\(folder.place)_days)"))
            } else {
                kept.append(folder)
            }
        }
        keptBytes = kept.reduce(0) { $0 + $1.bytes }
        guard let maxBytes = policy.maxBytes else { return }
        // Each owner's folders, oldest first (`kept` is in that order), and the bytes they hold.
        var owners: [Int: (bytes: Int64, folders: ArraySlice<ResultFolder>)] = [:]
        for folder in kept {
            owners[folder.ownerUID ?? -1, default: (0, [])].bytes += folder.bytes
            owners[folder.ownerUID ?? -1, default: (0, [])].folders.append(folder)
        }
        while keptBytes > maxBytes, let owner = owners.max(by: { ($0.value.bytes, $1.key) < ($1.value.bytes, $0.key) })?.key,
              let folder = owners[owner]?.folders.popFirst() {
            keptBytes -= folder.bytes
            owners[owner]?.bytes -= folder.bytes
            if owners[owner]?.folders.isEmpty == true { owners[owner] = nil }
            removals.append(Removal(folder: folder, why: "the oldest of the user holding the most while the spool's results "
                                        + "took more than \(ByteCount(maxBytes)) (retention.max_gb)"))
        }
    }

    /// The bytes the removals free.
    public var freedBytes: Int64 { removals.reduce(0) { $0 + $1.folder.bytes } }

    private static func olderFirst(_ a: ResultFolder, _ b: ResultFolder) -> Bool {
        (a.endedAt, a.folder) < (b.endedAt, b.folder)
    }
}
