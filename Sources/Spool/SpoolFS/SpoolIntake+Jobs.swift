import Base
import Foundation
import Glibc

extension SpoolIntake {
    /// Where a finished job's folder goes.
    public enum Outcome: String, Sendable {
        case done
        case failed
    }

    /// Makes the claimed entry job `jobID`'s bundle: creates `active/JOB/` and renames the entry to
    /// `active/JOB/bundle`. Idempotent for recovery: when `active/JOB/bundle` exists and the
    /// claimed entry is gone, the move happened already.
    ///
    /// - Returns: the job's folder, `active/JOB`.
    /// - Throws: `FileError` for a job ID that is not a plain name, when the job already holds a
    ///   bundle and the claimed entry is still there, or when neither exists.
    @discardableResult
    public static func adopt(claimed: URL, jobID: String, layout: SpoolLayout) throws(FileError) -> URL {
        try checkJobID(jobID, layout: layout)
        let job = layout.active.appendingPathComponent(jobID, isDirectory: true)
        let bundle = job.appendingPathComponent("bundle").path
        let bundleThere = try FileSystem.status(bundle) != nil
        let claimedThere = try FileSystem.status(claimed.path) != nil
        if bundleThere, !claimedThere { return job }
        if bundleThere {
            throw FileError(path: bundle, message: "job \(jobID) already holds a bundle; \(claimed.path) was not moved",
                             hint: "finish or remove active/\(jobID) first")
        }
        if try FileSystem.makeDirectory(job.path, mode: SpoolLayout.daemonMode) {
            try AtomicFile.syncDirectory(layout.active.path)
        }
        switch try FileSystem.renameNoReplace(claimed.path, bundle) {
        case .renamed: break
        case .sourceMissing:
            throw FileError(path: claimed.path, message: "the claimed bundle \(claimed.path) is gone", code: ENOENT)
        case .targetExists:
            throw FileError(path: bundle, message: "job \(jobID) already holds a bundle", code: EEXIST)
        }
        try AtomicFile.syncDirectory(job.path)
        try AtomicFile.syncDirectory(claimed.deletingLastPathComponent().path)
        return job
    }

    /// Moves `active/JOB` to `done/JOB` or `failed/JOB` in one rename, so the report folder is
    /// whole or absent. When `done/JOB` (or `failed/JOB`) exists already from an earlier attempt,
    /// the folder becomes `JOB-2`, `JOB-3`, ... Idempotent for recovery: when `active/JOB` is gone
    /// and the destination exists, the move happened already.
    ///
    /// - Returns: the job's folder in its final place.
    @discardableResult
    public static func finish(_ jobID: String, to outcome: Outcome, layout: SpoolLayout) throws(FileError) -> URL {
        try checkJobID(jobID, layout: layout)
        let parent = outcome == .done ? layout.done : layout.failed
        let source = layout.active.appendingPathComponent(jobID).path
        if try FileSystem.status(source) == nil, try FileSystem.status(parent.path + "/" + jobID) != nil {
            return parent.appendingPathComponent(jobID, isDirectory: true)
        }
        guard let name = try FileSystem.renameUnique(source, into: parent.path, as: jobID) else {
            throw FileError(path: source, message: "job folder \(source) is missing", code: ENOENT)
        }
        try AtomicFile.syncDirectory(parent.path)
        try AtomicFile.syncDirectory(layout.active.path)
        return parent.appendingPathComponent(name, isDirectory: true)
    }

    private static func checkJobID(_ jobID: String, layout: SpoolLayout) throws(FileError) {
        if let problem = BundleName.problem(with: jobID) {
            throw FileError(path: layout.active.path, message: "bad job ID: \(problem)")
        }
        if jobID == layout.claims.lastPathComponent {
            throw FileError(path: layout.active.path, message: "bad job ID: \"\(jobID)\" is reserved")
        }
    }
}
