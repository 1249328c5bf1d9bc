import Base
import Foundation
import Glibc

extension SpoolIntake {
    /// The prefix of a submission being copied into `incoming/` (hidden: the daemon skips it).
    static let stagingPrefix = ".submitting-"

    /// What `ptune submit PATH` does: copies a bundle folder or a `.tar` / `.tar.zst` archive into
    /// `incoming/.submitting-NAME.XXXXXX`, fsyncs every file and folder of the copy, then renames it
    /// to `incoming/NAME` (`NAME-2`, `NAME-3`, ... when taken), so the daemon only ever sees it
    /// whole. Write access to `incoming/` is all a submitter needs.
    ///
    /// `source` itself may be a symbolic link; inside a folder only regular files and folders are
    /// copied, anything else is refused. The copy is its submitter's alone (folders 0700, files
    /// 0600): other members of the spool's group see its name in `incoming/`, never its data. The
    /// daemon takes it from there (`claim`).
    ///
    /// - Returns: the name the bundle got in `incoming/`.
    /// - Throws: `FileError` naming the offending file, or saying how to create a missing spool.
    @discardableResult
    public static func submit(source: URL, layout: SpoolLayout) throws(FileError) -> String {
        guard FileSystem.isDirectory(try FileSystem.status(layout.incoming.path)) else {
            throw FileError(path: layout.root.path, message: "\(layout.root.path) is not a spool: incoming/ is missing",
                             hint: "start the daemon once, or run `ptune serve --spool \(layout.root.path)`, to create it")
        }
        let path = source.standardizedFileURL.path
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system("read", path) }
        let name = source.standardizedFileURL.lastPathComponent
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        let isArchive = info.st_mode & S_IFMT == S_IFREG && BundleName.archiveExtension(of: name) != nil
        guard isDirectory || isArchive else {
            throw FileError(path: path, message: "\(path) is not a bundle folder nor a .tar or .tar.zst archive",
                             hint: "a bundle is a folder holding task.toml and its data, or such a folder archived")
        }
        if let problem = BundleName.problem(with: name) {
            throw FileError(path: path, message: "cannot submit \(path): \(problem)")
        }
        if name.hasPrefix(".") {
            throw FileError(path: path, message: "cannot submit \(path): names starting with . are ignored by the spool",
                             hint: "rename it without the leading dot")
        }
        let prefix = stagingPrefix + name + "."
        let staged = isDirectory ? try makeTemporaryDirectory(in: layout.incoming.path, prefix: prefix)
                                 : try makeTemporaryFile(in: layout.incoming.path, prefix: prefix)
        do throws(FileError) {
            if isDirectory {
                let copier = TreeCopy(sourceRoot: path)
                try copier.copyFolder(path, to: staged, mode: copier.folderMode)
            } else {
                try TreeCopy(sourceRoot: (path as NSString).deletingLastPathComponent).copyFile(path, to: staged)
            }
            guard let final = try FileSystem.renameUnique(staged, into: layout.incoming.path, as: name) else {
                throw FileError(path: staged, message: "\(staged) vanished before it could be moved to incoming/")
            }
            try AtomicFile.syncDirectory(layout.incoming.path)
            return final
        } catch {
            FileSystem.removeTree(staged)
            throw error
        }
    }

    /// Removes submissions a `ptune submit` left half-copied in `incoming/` (it was killed) once
    /// they are older than `age` seconds; returns their names.
    @discardableResult
    public static func removeAbandonedSubmissions(_ layout: SpoolLayout, olderThan age: TimeInterval,
                                                  now: Date = Date()) throws(FileError) -> [String] {
        var removed: [String] = []
        for name in try FileSystem.entries(of: layout.incoming.path) where name.hasPrefix(stagingPrefix) {
            let path = layout.incoming.path + "/" + name
            guard let info = try FileSystem.status(path),
                  now.timeIntervalSince1970 - Double(info.st_ctim.tv_sec) > age else { continue }
            FileSystem.removeTree(path)
            removed.append(name)
        }
        return removed
    }

    /// Creates a fresh empty file `directory/PREFIXXXXXXX` and returns its path.
    private static func makeTemporaryFile(in directory: String, prefix: String) throws(FileError) -> String {
        var template = Array((directory + "/" + prefix + "XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw .system("create a file in", directory) }
        Glibc.close(fd)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
