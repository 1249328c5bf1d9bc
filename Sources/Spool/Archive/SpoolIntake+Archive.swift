import Base
import Foundation

extension SpoolIntake {
    /// Unpacks a `.tar` or `.tar.zst` bundle into the folder `into`, which must not exist yet, and
    /// returns the bundle's root: `into` itself, or its only folder when the archive holds one
    /// folder and nothing else (`tar -cf NAME.tar NAME`).
    ///
    /// Only regular files and folders are unpacked. Absolute names, `..` components, links,
    /// devices, FIFOs, names that are not UTF-8, more than `limits.maxEntries` entries, paths
    /// deeper than `limits.maxDepth` and contents past `limits.maxTotalBytes` are refused; the
    /// limits are checked against each header before its data is decompressed, so an archive that
    /// expands hugely is stopped early. Every file and folder written is fsynced.
    ///
    /// - Throws: the problems found, each naming the archive and the entry; `into` is then removed.
    @discardableResult
    public static func extractArchive(file: URL, into: URL,
                                      limits: ArchiveLimits = ArchiveLimits()) throws(TaskProblems) -> URL {
        let name = file.lastPathComponent
        guard let ext = BundleName.archiveExtension(of: name) else {
            throw TaskProblems([TaskProblem(file: name, message: "not a .tar or .tar.zst archive")])
        }
        let root = into.standardizedFileURL
        let created: Bool
        do throws(FileError) {
            created = try FileSystem.makeDirectory(root.path, mode: 0o755)
        } catch {
            throw TaskProblems([TaskProblem(file: name, message: "cannot unpack: \(error.message)")])
        }
        guard created else {
            throw TaskProblems([TaskProblem(file: name, message: "cannot unpack: \(root.path) exists already")])
        }
        let reader: TarReader
        do throws(TaskProblem) {
            let input = try FileSource(path: file.path, name: name)
            let source: ByteSource = ext == ".tar.zst" ? try ZstdSource(input) : input
            reader = TarReader(source: source, archive: name, maxHeaders: limits.maxEntries)
        } catch {
            FileSystem.removeTree(root.path)
            throw TaskProblems([error])
        }
        do {
            try ArchiveExtractor(limits: limits, archive: name, root: root.path).run(reader)
        } catch {
            FileSystem.removeTree(root.path)
            throw error
        }
        return soleFolder(in: root) ?? root
    }

    /// The only entry of `folder` when it is a folder.
    private static func soleFolder(in folder: URL) -> URL? {
        guard let names = try? FileSystem.entries(of: folder.path), names.count == 1,
              FileSystem.isDirectory(try? FileSystem.status(folder.path + "/" + names[0])) else { return nil }
        return folder.appendingPathComponent(names[0], isDirectory: true)
    }
}
