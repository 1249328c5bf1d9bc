import Base
import Foundation
import Glibc

/// The moves of a bundle through the spool: scan `incoming/`, claim an entry, then reject it or
/// adopt it as a job, and finish the job into `done/` or `failed/`. Every move is one `rename` on
/// one filesystem followed by an fsync of the folders involved, so after a crash an entry is
/// either where it was or where it went, whole.
public enum SpoolIntake {
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

    /// Claims `incoming/NAME` by renaming it into `active/claims/` (as `NAME-2`, ... when a claimed
    /// entry of that name is there already). Exactly one of several claimers of an entry wins.
    ///
    /// - Returns: the claimed entry, or nil when it was gone (another claimer won: that is normal).
    /// - Throws: `FileError` for a name that is not a plain entry name, or a failed rename or fsync.
    public static func claim(_ name: String, layout: SpoolLayout) throws(FileError) -> URL? {
        if let problem = BundleName.problem(with: name) {
            throw FileError(path: layout.incoming.path, message: "cannot claim: \(problem)")
        }
        guard FileSystem.isDirectory(try FileSystem.status(layout.claims.path)) else {
            throw FileError(path: layout.claims.path, message: "\(layout.claims.path) is missing",
                             hint: "SpoolLayout.create() makes it")
        }
        let source = layout.incoming.path + "/" + name
        guard let claimed = try FileSystem.renameUnique(source, into: layout.claims.path, as: name) else { return nil }
        try AtomicFile.syncDirectory(layout.claims.path)
        try AtomicFile.syncDirectory(layout.incoming.path)
        return layout.claims.appendingPathComponent(claimed)
    }

    /// The entries in `active/claims/`: bundles claimed before a crash and neither adopted nor
    /// rejected (names starting with `.` are the daemon's own records). Recovery treats each like a
    /// fresh claim. In the order they were claimed.
    public static func pendingClaims(_ layout: SpoolLayout) throws(FileError) -> [URL] {
        var found: [(url: URL, seconds: Int, nanoseconds: Int)] = []
        for name in try FileSystem.entries(of: layout.claims.path) where !name.hasPrefix(".") {
            guard let info = try FileSystem.status(layout.claims.path + "/" + name) else { continue }
            found.append((layout.claims.appendingPathComponent(name), info.st_ctim.tv_sec, info.st_ctim.tv_nsec))
        }
        return found.sorted { ($0.seconds, $0.nanoseconds, $0.url.path) < ($1.seconds, $1.nanoseconds, $1.url.path) }
            .map(\.url)
    }
}
