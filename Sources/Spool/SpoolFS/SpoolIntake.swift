import Base
import Foundation
import Glibc

/// The moves of a bundle through the spool: scan `incoming/`, claim an entry, then reject it or
/// adopt it as a job, and finish the job into `done/` or `failed/`. Every move is one `rename` on
/// one filesystem followed by an fsync of the folders involved, so after a crash an entry is
/// either where it was or where it went, whole.
public enum SpoolIntake {
    /// An archive is unpacked beside itself in active/claims/, under its name plus this suffix. No
    /// claimed copy is named so (`claimName`), so an unpacked archive never meets another bundle.
    public static let unpackedSuffix = ".unpacked"

    /// The name a claimed copy of `entry` starts from: the entry's, but never ending in
    /// `unpackedSuffix` (its dot becomes an underscore, so the name grows no longer).
    static func claimName(_ entry: String) -> String {
        entry.hasSuffix(unpackedSuffix) ? entry.dropLast(unpackedSuffix.count) + "_" + unpackedSuffix.dropFirst() : entry
    }

    /// The entries of `incoming/` to consider: folders and `.tar` / `.tar.zst` files, skipping
    /// names that start with `.`; in order of arrival (the status change time, which the rename into
    /// `incoming/` sets, then the name). Other entries are left alone. An entry whose name is not
    /// valid UTF-8 is first renamed to its escaped form (`FileSystem.renameUndecodableEntries`).
    ///
    /// - Throws: `FileError` when `incoming/` cannot be read.
    public static func scanIncoming(_ layout: SpoolLayout) throws(FileError) -> [String] {
        _ = try FileSystem.renameUndecodableEntries(in: layout.incoming.path)
        var found: [(name: String, seconds: Int, nanoseconds: Int)] = []
        for name in try FileSystem.entries(of: layout.incoming.path) where !name.hasPrefix(".") {
            guard let info = try FileSystem.status(layout.incoming.path + "/" + name) else { continue }
            let isArchive = FileSystem.isRegularFile(info) && BundleName.archiveExtension(of: name) != nil
            guard FileSystem.isDirectory(info) || isArchive else { continue }
            found.append((name, info.st_ctim.tv_sec, info.st_ctim.tv_nsec))
        }
        return found.sorted { ($0.seconds, $0.nanoseconds, $0.name) < ($1.seconds, $1.nanoseconds, $1.name) }
            .map(\.name)
    }
}
