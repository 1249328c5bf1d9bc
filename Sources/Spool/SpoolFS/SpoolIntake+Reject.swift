import Base
import Foundation
import Glibc

extension SpoolIntake {
    /// Moves a claimed entry to `rejected/NAME/` (`NAME-2`, ... when taken) with `reason.json` and
    /// `reason.txt` inside, and returns that folder. A folder bundle becomes that folder itself (a
    /// `reason.json` or `reason.txt` of its own is replaced); an archive is put inside it. The
    /// folder is assembled first (an archive's in `tmp/.rejecting-*`) and appears in `rejected/` by
    /// one rename, whole.
    ///
    /// Duplicates are rejected this way too, with a single problem the caller writes, such as
    /// "the same bundle was already submitted as job X; see done/X".
    ///
    /// `name` is the entry's name as dropped, when the claimed entry is not under it.
    ///
    /// - Throws: `FileError` when the entry is gone or a step fails.
    @discardableResult
    public static func reject(claimed: URL, as name: String? = nil, problems: [TaskProblem], layout: SpoolLayout,
                              at date: Date = Date()) throws(FileError) -> URL {
        let name = name ?? claimed.lastPathComponent
        guard let info = try FileSystem.status(claimed.path) else {
            throw FileError(path: claimed.path, message: "the claimed bundle \(claimed.path) is gone", code: ENOENT)
        }
        let folder: String
        if FileSystem.isDirectory(info) {
            folder = claimed.path
        } else {
            folder = try makeTemporaryDirectory(in: layout.tmp.path, prefix: ".rejecting-")
            switch try FileSystem.renameNoReplace(claimed.path, folder + "/" + name) {
            case .renamed: break
            case .sourceMissing, .targetExists:
                FileSystem.removeTree(folder)
                throw FileError(path: claimed.path, message: "cannot move \(claimed.path) into \(folder)")
            }
            try AtomicFile.syncDirectory(claimed.deletingLastPathComponent().path)
        }
        let report = RejectionReport(name: name, rejectedAt: date, problems: problems)
        // A folder, link or other non-file the bundle holds at these names is replaced too, so it
        // cannot make the rename fail (EISDIR) and the entry stay claimed for ever.
        for reason in ["reason.json", "reason.txt"] {
            let path = folder + "/" + reason
            if let existing = try FileSystem.status(path), !FileSystem.isRegularFile(existing) { FileSystem.removeTree(path) }
        }
        do {
            try AtomicFile.write(report.json(), to: folder + "/reason.json")
            try AtomicFile.write(Data(report.text.utf8), to: folder + "/reason.txt")
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(path: folder, message: "cannot write the rejection reason in \(folder): \(error)")
        }
        let stem = FileSystem.isDirectory(info) ? name : String(name.dropLast(BundleName.archiveExtension(of: name)?.count ?? 0))
        guard let final = try FileSystem.renameUnique(folder, into: layout.rejected.path, as: stem) else {
            throw FileError(path: folder, message: "\(folder) vanished while being rejected", code: ENOENT)
        }
        try AtomicFile.syncDirectory(layout.rejected.path)
        try AtomicFile.syncDirectory((folder as NSString).deletingLastPathComponent)
        return layout.rejected.appendingPathComponent(final, isDirectory: true)
    }

    /// Creates a fresh folder `directory/PREFIXXXXXXX` (mode 0700) and returns its path.
    static func makeTemporaryDirectory(in directory: String, prefix: String) throws(FileError) -> String {
        var template = Array((directory + "/" + prefix + "XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw .system("create a folder in", directory) }
        let path = String(cString: made)
        guard chmod(path, SpoolLayout.daemonMode) == 0 else { throw .system("set the mode of", path) }
        return path
    }
}
