import Base
import Foundation
import Glibc

extension SpoolIntake {
    /// Entries and files looked at per entry when finding its last change; a bundle holds a few.
    static let settleScanLimit = 10_000

    /// Splits the entries of `incoming/` into those nothing has changed in for `quietFor` seconds
    /// (ready to claim) and those still being written in place, for instance by `cp -r` straight
    /// into `incoming/` instead of a rename from `tmp/`.
    ///
    /// A change is a modification time (of the entry, or of anything in a folder entry) in the last
    /// `quietFor` seconds; times more than `quietFor` in the future count as settled, since a clock
    /// ahead of ours is not a writer in progress. A time just after `now` is a write made since `now`
    /// was read, and waits like any other. `ptune submit` keeps the source files' times, so a submitted bundle made
    /// earlier is ready at once even when found by a rescan.
    ///
    /// Names in `whole` are ready without looking: inotify saw them arrive complete (renamed in, or a
    /// file closed after writing).
    ///
    /// - Returns: the ready names in the given order, and the earliest time a waiting entry becomes
    ///   ready (nil when none waits).
    public static func settled(_ names: [String], whole: Set<String> = [], layout: SpoolLayout,
                               quietFor: TimeInterval, now: Date) -> (ready: [String], nextCheck: Date?) {
        var ready: [String] = []
        var nextCheck: Date?
        for name in names {
            if whole.contains(name) {
                ready.append(name)
                continue
            }
            let last = lastChange(layout.incoming.path + "/" + name)
            let settlesAt = last.addingTimeInterval(quietFor)
            // Ahead of `now` by more than `quietFor`: another clock, not a write made since `now` was read.
            if last > now.addingTimeInterval(quietFor) || settlesAt <= now {
                ready.append(name)
            } else {
                nextCheck = min(nextCheck ?? settlesAt, settlesAt)
            }
        }
        return (ready, nextCheck)
    }

    /// The newest modification time under `path` (itself included), not following links, looking at
    /// no more than `settleScanLimit` entries.
    static func lastChange(_ path: String) -> Date {
        var newest = timespec()
        var budget = settleScanLimit
        func visit(_ path: String) {
            guard budget > 0 else { return }
            budget -= 1
            var info = stat()
            guard lstat(path, &info) == 0 else { return }
            if (info.st_mtim.tv_sec, info.st_mtim.tv_nsec) > (newest.tv_sec, newest.tv_nsec) { newest = info.st_mtim }
            guard info.st_mode & S_IFMT == S_IFDIR, let names = try? FileSystem.entries(of: path) else { return }
            for name in names { visit(path + "/" + name) }
        }
        visit(path)
        return Date(timeIntervalSince1970: Double(newest.tv_sec) + Double(newest.tv_nsec) / 1e9)
    }
}
