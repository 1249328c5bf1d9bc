import Base
import Foundation
import Glibc
import Spool
import Store

extension DaemonContext {
    /// Moves the job's folder to done/ or failed/ and gives it to the job's owner (`handOver`).
    @discardableResult
    func finish(_ job: JobRecord, to outcome: SpoolIntake.Outcome) throws -> URL {
        let folder = try SpoolIntake.finish(job.id, to: outcome, layout: layout)
        handOver(folder, to: job.ownerUID)
        return folder
    }

    /// Gives a finished job's folder, or a rejected bundle's, to the user who dropped the bundle:
    /// readable by that user and by the admin group (`DaemonConfig.adminGroup`), writable by nobody,
    /// closed to everyone else. A folder of the daemon's own user stays as it is. Without
    /// `CAP_CHOWN` the folder stays the daemon's; that is logged, and nothing else changes.
    func handOver(_ folder: URL, to owner: Int?) {
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
