import Base
import Foundation
import Glibc
import Spool
import Store

extension DaemonContext {
    /// Moves the job's folder to done/ or failed/ and gives it to the job's owner (`deliver`).
    @discardableResult
    func finish(_ job: JobRecord, to outcome: SpoolIntake.Outcome) throws -> URL {
        // A trial's folder stays in its search's, which is delivered whole when the search ends.
        if job.parentID != nil { return directory(of: job) }
        let folder = try SpoolIntake.finish(job.id, to: outcome, layout: layout)
        deliver(folder, to: job.ownerUID, jobID: job.id)
        return folder
    }

    /// Records a finished job's folder, or a rejected bundle's, for retention (`ResultFolder`, with
    /// its size measured now, while it is still the daemon's), then gives it to `owner` (`handOver`).
    /// A failed record is logged; the next retention sweep finds the folder and records it.
    func deliver(_ folder: URL, to owner: Int?, jobID: String?) {
        let name = layout.root.path + "/"
        do {
            guard folder.path.hasPrefix(name) else { throw FileError(path: folder.path, message: "\(folder.path) is outside the spool") }
            try store.recordResultFolder(ResultFolder(folder: String(folder.path.dropFirst(name.count)), jobID: jobID,
                                                      ownerUID: owner, endedAt: clock.now(),
                                                      bytes: (try? DirectoryTree.allocatedBytes(under: folder.path)) ?? 0))
        } catch {
            logger.warning("cannot record a result folder for retention; the next sweep will",
                           metadata: ["folder": "\(folder.path)", "error": "\(error)"])
        }
        handOver(folder, to: owner)
    }

    /// Gives a finished job's folder, or a rejected bundle's, to the user who dropped the bundle:
    /// readable by that user and by the admin group (`DaemonConfig.adminGroup`), writable by nobody,
    /// closed to everyone else. A folder of the daemon's own user stays as it is. Without
    /// `CAP_CHOWN` the folder stays the daemon's; that is logged, and nothing else changes.
    private func handOver(_ folder: URL, to owner: Int?) {
        guard let owner, owner >= 0, uid_t(owner) != geteuid() else { return }
        let group = config.adminGroup
        do {
            try TreeOwnership.hand(folder.path, to: uid_t(owner), group: group ?? getegid(),
                                   folderMode: group == nil ? 0o500 : 0o550, fileMode: group == nil ? 0o400 : 0o440)
        } catch {
            logger.warning("cannot give a result to its owner; it stays the daemon's",
                           metadata: ["folder": "\(folder.path)", "owner": "\(owner)", "error": "\(error)"])
        }
    }
}
