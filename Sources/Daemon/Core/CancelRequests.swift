import Foundation
import Spool

/// `ptune cancel` asks by creating `control/cancel/JOB` in the spool; the daemon, the database's only
/// writer, acts on it and removes it. The CLI needs write access to that folder only.
public enum CancelRequests {
    static func folder(_ layout: SpoolLayout) -> URL {
        layout.root.appendingPathComponent("control/cancel")
    }

    /// Files a request to cancel `jobID`.
    public static func request(_ jobID: String, spool: URL) throws {
        let folder = folder(SpoolLayout(root: spool))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent(jobID))
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
