import Base
import Foundation
import Glibc
import Spool
import Store

/// `ptune cancel` asks by creating `control/cancel/JOB` in the spool; the daemon, the database's only
/// writer, acts on it and removes it. The CLI needs write access to that folder only. The request
/// counts only when the user who filed it (the file's owner) owns the job or administers the
/// service (root, the service user itself, or a member of the admin group); any other request is
/// refused and removed.
public enum CancelRequests {
    static func folder(_ layout: SpoolLayout) -> URL { layout.cancelRequests }

    /// Files a request to cancel `jobID`; an error that says what to do when this user may not.
    public static func request(_ jobID: String, spool: URL) throws {
        let folder = folder(SpoolLayout(root: spool))
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data().write(to: folder.appendingPathComponent(jobID))
        } catch {
            throw ActionableError("cannot file a cancel request in \(folder.path): \(error.localizedDescription)",
                                  hint: "run ptune cancel as a user who may write there (the service user, or a member of the spool's group when control/cancel is group-writable)")
        }
    }

    /// A cancel request as the daemon judges it.
    enum Verdict: Equatable {
        case allowed
        /// Filed by user `uid`, who neither owns the job nor administers the service.
        case refused(uid: Int)
    }

    /// The request to cancel `job`, judged; nil when there is none.
    static func verdict(for job: JobRecord, layout: SpoolLayout, adminGroup: gid_t?) -> Verdict? {
        guard let info = try? FileSystem.status(folder(layout).appendingPathComponent(job.id).path) else { return nil }
        let uid = Int(info.st_uid)
        let administers = uid == 0 || uid == Int(getuid())
            || adminGroup.map { GroupMembership.isMember(uid: info.st_uid, of: $0) } ?? false
        return administers || job.ownerUID == nil || job.ownerUID == uid ? .allowed : .refused(uid: uid)
    }

    /// True when a request to cancel `job` stands and may be acted on; a refused one is removed, with
    /// why recorded on the job (`refuse`), and counts as none.
    static func allowedRequest(for job: JobRecord, context: DaemonContext) throws -> Bool {
        switch verdict(for: job, layout: context.layout, adminGroup: context.config.adminGroup) {
        case .allowed?:
            return true
        case .refused(let uid)?:
            try refuse(job, uid: uid, context: context)
            return false
        case nil:
            return false
        }
    }

    /// Removes a refused request and records why on the job.
    private static func refuse(_ job: JobRecord, uid: Int, context: DaemonContext) throws {
        clear(job.id, layout: context.layout)
        let owner = job.ownerUID.map { "uid \($0)" } ?? "nobody"
        try context.store.appendEvent(jobID: job.id, attempt: nil, kind: "cancel_refused",
                                      message: "a cancel request by uid \(uid) was refused: the job belongs to \(owner)",
                                      at: context.clock.now())
        context.logger.warning("cancel request refused", metadata: ["job": "\(job.id)", "uid": "\(uid)"])
    }

    static func pending(layout: SpoolLayout) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder(layout).path)) ?? []).filter { !$0.hasPrefix(".") }
    }

    static func clear(_ jobID: String, layout: SpoolLayout) {
        try? FileManager.default.removeItem(at: folder(layout).appendingPathComponent(jobID))
    }
}
