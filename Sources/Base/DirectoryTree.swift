import Glibc

/// A folder tree read through directory descriptors: every component is opened relative to the
/// folder before it with O_NOFOLLOW, so no symbolic link is followed anywhere on the way, and a
/// folder swapped for a link between a check and a use (by whoever may write in the tree) makes the
/// open fail instead of reaching outside.
public enum DirectoryTree {
    /// The relative paths of the regular files under the folder `root`, sorted; links, devices and
    /// other non-regular entries are left out.
    public static func regularFiles(under root: String) throws(FileError) -> [String] {
        let top = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0 else { throw .system("open the folder", root) }
        defer { close(top) }
        var found: [String] = []
        collect(top, prefix: "", into: &found)
        return found.sorted()
    }

    private static func collect(_ folder: Int32, prefix: String, into found: inout [String]) {
        for raw in FileSystem.rawEntries(ofOpen: folder) ?? [] {
            let name = String(decoding: raw, as: UTF8.self)
            var info = stat()
            guard fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                found.append(prefix + name)
            case S_IFDIR:
                let child = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { continue }
                collect(child, prefix: prefix + name + "/", into: &found)
                close(child)
            default:
                continue
            }
        }
    }

    /// Opens the regular file at `relative` (components separated by "/") under the folder `root`
    /// for reading, component by component without following links; the caller closes the result.
    public static func openRegularFile(_ relative: String, under root: String) throws(FileError) -> Int32 {
        let components = relative.split(separator: "/").map(String.init).filter { $0 != "." }
        var folder = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folder >= 0 else { throw .system("open the folder", root) }
        for (index, component) in components.enumerated() {
            let isLast = index == components.count - 1
            let flags = isLast ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
                               : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
            let next = openat(folder, component, flags)
            let code = errno
            close(folder)
            guard next >= 0 else { throw .system("open", root + "/" + relative, code: code) }
            folder = next
        }
        var info = stat()
        guard fstat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(folder)
            throw FileError(path: root + "/" + relative, message: "\(root)/\(relative) is not a regular file")
        }
        return folder
    }

    /// The bytes the tree at `root` takes on disk (allocated blocks of every entry, folders
    /// included, so a sparse file counts what it really uses); links are counted, not followed.
    /// Folders nested deeper than `sizeDepthLimit` count only themselves (a descriptor is held per
    /// level).
    public static func allocatedBytes(under root: String) throws(FileError) -> Int64 {
        var info = stat()
        guard lstat(root, &info) == 0 else { throw .system("stat", root) }
        guard info.st_mode & S_IFMT == S_IFDIR else { return Int64(info.st_blocks) * 512 }
        let top = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0 else { throw .system("open the folder", root) }
        defer { close(top) }
        return Int64(info.st_blocks) * 512 + allocated(in: top, depth: 1)
    }

    /// Folders deeper than this are not looked into by `allocatedBytes`.
    public static let sizeDepthLimit = 64

    private static func allocated(in folder: Int32, depth: Int) -> Int64 {
        var total: Int64 = 0
        for raw in FileSystem.rawEntries(ofOpen: folder) ?? [] {
            var info = stat()
            guard FileSystem.withCPath(raw, { fstatat(folder, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else { continue }
            total += Int64(info.st_blocks) * 512
            guard info.st_mode & S_IFMT == S_IFDIR, depth < sizeDepthLimit else { continue }
            let child = FileSystem.withCPath(raw) { openat(folder, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard child >= 0 else { continue }
            total += allocated(in: child, depth: depth + 1)
            close(child)
        }
        return total
    }
}
