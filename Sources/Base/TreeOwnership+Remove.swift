import Glibc

extension TreeOwnership {
    /// Most folders nested in one another that `reclaimAndRemove` goes into.
    public static let removalDepthLimit = 256

    /// Removes `path` and everything under it, where folders may belong to another user: a result
    /// handed to its submitter, who may since have changed its modes or added to it. Each folder is
    /// first made this process's, mode 0700, through an `O_PATH` descriptor as `take` does, so its
    /// entries can be listed and removed; other entries are unlinked unchanged, so a hard link to a
    /// file elsewhere loses only this name. Links are never followed. Another user's folders need
    /// `CAP_CHOWN`, as `take` does. A `path` that is gone is no error.
    ///
    /// - Throws: `FileError` naming the entry that could not be changed or removed, or the folder
    ///   nested past `removalDepthLimit`.
    public static func reclaimAndRemove(_ path: String) throws(FileError) {
        let cut = path.lastIndex(of: "/")
        let parentPath = cut.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = cut.map { String(path[path.index(after: $0)...]) } ?? path
        let parent = open(parentPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard parent >= 0 else {
            if errno == ENOENT { return }
            throw .system("open the folder", parentPath)
        }
        defer { close(parent) }
        try remove(Array(name.utf8), in: parent, path: path, depth: 0)
    }

    private static func remove(_ name: [UInt8], in folder: Int32, path: String, depth: Int) throws(FileError) {
        var info = stat()
        let found = FileSystem.withCPath(name) { fstatat(folder, $0, &info, AT_SYMLINK_NOFOLLOW) }
        guard found == 0 else {
            if errno == ENOENT { return }
            throw .system("stat", path)
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            guard depth < removalDepthLimit else {
                throw FileError(path: path, message: "\(path) is nested more than \(removalDepthLimit) folders deep; it is left in place")
            }
            try empty(name, in: folder, path: path, depth: depth)
        }
        let flags = info.st_mode & S_IFMT == S_IFDIR ? AT_REMOVEDIR : 0
        guard FileSystem.withCPath(name, { unlinkat(folder, $0, flags) }) == 0 || errno == ENOENT else {
            throw .system("remove", path)
        }
    }

    /// Makes the folder `name` this process's, mode 0700, and removes every entry in it.
    private static func empty(_ name: [UInt8], in folder: Int32, path: String, depth: Int) throws(FileError) {
        let node = FileSystem.withCPath(name) { openat(folder, $0, pathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard node >= 0 else { throw .system("open the folder", path) }
        defer { close(node) }
        var info = stat()
        guard fstat(node, &info) == 0 else { throw .system("stat", path) }
        if info.st_uid != geteuid() { try chown(node, to: geteuid(), group: getegid(), path: path) }
        if info.st_uid != geteuid() || info.st_mode & 0o700 != 0o700 { try chmod(node, 0o700, path: path) }
        let listing = openat(node, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listing >= 0 else { throw .system("open the folder", path) }
        defer { close(listing) }
        for child in FileSystem.rawEntries(ofOpen: listing) ?? [] {
            try remove(child, in: listing, path: path + "/" + String(decoding: child, as: UTF8.self), depth: depth + 1)
        }
    }
}
