import Base
import Foundation
import Spool

/// `ptune cancel` asks by creating `control/cancel/JOB` in the spool; the daemon, the database's only
/// writer, acts on it and removes it. The CLI needs write access to that folder only.
public enum CancelRequests {
    static func folder(_ layout: SpoolLayout) -> URL {
        layout.root.appendingPathComponent("control/cancel")
    }

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

    static func isRequested(_ jobID: String, layout: SpoolLayout) -> Bool {
        FileManager.default.fileExists(atPath: folder(layout).appendingPathComponent(jobID).path)
    }

    static func pending(layout: SpoolLayout) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder(layout).path)) ?? []).filter { !$0.hasPrefix(".") }
    }

    static func clear(_ jobID: String, layout: SpoolLayout) {
        try? FileManager.default.removeItem(at: folder(layout).appendingPathComponent(jobID))
    }
}
