import Base
import Foundation
import Glibc

/// The folders of a spool, all on one filesystem so that moving between them is a `rename`:
///
/// - `tmp/`: the daemon's scratch space (0700);
/// - `incoming/`: complete bundles appear here, only by rename (`ptune submit` stages its copy in a
///   hidden `.submitting-*` folder here, never taken);
/// - `active/claims/`: bundles the daemon has claimed and not yet turned into a job or rejected;
/// - `active/JOB/`: a job's bundle (`bundle`) and working files while it is queued or running;
/// - `done/JOB/`, `failed/JOB/`: finished jobs' reports;
/// - `rejected/NAME/`: bundles that were refused, with `reason.json` and `reason.txt`;
/// - `control/`: the daemon's `status.json`, and `control/cancel/`, where `ptune cancel` files requests.
public struct SpoolLayout: Sendable, Equatable {
    public let root: URL
    public let tmp: URL
    public let incoming: URL
    public let active: URL
    /// `active/claims/`; never a job's folder, as job IDs are content hashes.
    public let claims: URL
    public let done: URL
    public let failed: URL
    public let rejected: URL
    public let control: URL
    /// `control/cancel/`: one empty file per cancel request, named by the job ID.
    public let cancelRequests: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
        tmp = self.root.appendingPathComponent("tmp", isDirectory: true)
        incoming = self.root.appendingPathComponent("incoming", isDirectory: true)
        active = self.root.appendingPathComponent("active", isDirectory: true)
        claims = active.appendingPathComponent("claims", isDirectory: true)
        done = self.root.appendingPathComponent("done", isDirectory: true)
        failed = self.root.appendingPathComponent("failed", isDirectory: true)
        rejected = self.root.appendingPathComponent("rejected", isDirectory: true)
        control = self.root.appendingPathComponent("control", isDirectory: true)
        cancelRequests = control.appendingPathComponent("cancel", isDirectory: true)
    }

    /// The mode of `incoming/` and `control/cancel/`: group-writable with set-group-ID, so that
    /// members of the folder's group can submit (or ask to cancel) and what they create belongs to
    /// that group, and sticky, so that only an entry's owner (and the daemon, which owns the folder)
    /// may rename or remove it.
    public static let submitMode: mode_t = 0o3775
    /// The mode of the spool's root: anyone may look in (the database for the query commands).
    public static let rootMode: mode_t = 0o755
    /// The mode of the daemon's working folders (tmp, active, and each job's folder in active/):
    /// the daemon's alone; bundles there are its own copies.
    public static let daemonMode: mode_t = 0o700
    /// The mode of done, failed and rejected: anyone may pass through to a folder they know the
    /// name of, nobody but the daemon lists them. Each folder in them is given to the user who
    /// dropped the bundle (readable by that user and the admin group only).
    public static let resultsMode: mode_t = 0o711

    /// Creates the root and every folder of the spool that is missing. Folders made here get exactly
    /// their mode whatever the umask; folders already there keep theirs, so an administrator's
    /// choice stands. Calling it again changes nothing.
    ///
    /// - Throws: `FileError` when a folder cannot be made, or a file stands where one should be.
    public func create() throws(FileError) {
        if try FileSystem.makeDirectory(root.path, mode: Self.rootMode) {
            try AtomicFile.syncDirectory(root.deletingLastPathComponent().path)
        }
        var created = false
        for (folder, mode) in [(tmp, Self.daemonMode), (incoming, Self.submitMode), (active, Self.daemonMode),
                               (done, Self.resultsMode), (failed, Self.resultsMode), (rejected, Self.resultsMode),
                               (control, Self.rootMode)] {
            created = try FileSystem.makeDirectory(folder.path, mode: mode) || created
        }
        if try FileSystem.makeDirectory(claims.path, mode: Self.daemonMode) {
            try AtomicFile.syncDirectory(active.path)
        }
        if try FileSystem.makeDirectory(cancelRequests.path, mode: Self.submitMode) {
            try AtomicFile.syncDirectory(control.path)
        }
        if created {
            try AtomicFile.syncDirectory(root.path)
        }
    }
}
