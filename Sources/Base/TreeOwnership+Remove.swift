import Glibc

extension TreeOwnership {
    /// Most folders nested in one another that `reclaimAndRemove` goes into.
    public static let removalDepthLimit = 256

    /// Removes `path` and everything under it, where folders may belong to another user: a result
    /// handed to its submitter, who may since have changed its modes or added to it. Each folder is
    /// first made this process's, mode 0700, through an `O_PATH` descriptor as `take` does, so its
    /// entries can be listed and removed and nobody else can add to it; other entries are unlinked
    /// unchanged, so a hard link to a file elsewhere loses only this name. Links are never
    /// followed. Another user's folders need `CAP_CHOWN`, as `take` does. A `path` that is gone is
    /// no error.
    ///
    /// Removes at most `maxEntries` entries and returns false when that left some: a caller that
    /// must not be held up (the daemon between its passes) calls again until it returns true.
    ///
    /// - Throws: `FileError` naming the entry that could not be changed or removed, a folder of a
    ///   user other than `owner` (or this process), one on another filesystem, or one nested past
    ///   `removalDepthLimit`.
    @discardableResult
    public static func reclaimAndRemove(_ path: String, owner: uid_t? = nil, maxEntries: Int = .max) throws(FileError) -> Bool {
        let cut = path.lastIndex(of: "/")
        let parentPath = cut.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = cut.map { String(path[path.index(after: $0)...]) } ?? path
        let parent = open(parentPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard parent >= 0 else {
            if errno == ENOENT { return true }
            throw .system("open the folder", parentPath)
        }
        defer { close(parent) }
        var info = stat()
        guard fstat(parent, &info) == 0 else { throw .system("stat", parentPath) }
        var removal = Removal(device: info.st_dev, owner: owner, budget: maxEntries)
        return try removal.remove(Array(name.utf8), in: parent, path: path, depth: 0)
    }

    private struct Removal {
        let device: dev_t
        let owner: uid_t?
        var budget: Int

        /// True when the entry is gone.
        mutating func remove(_ name: [UInt8], in folder: Int32, path: String, depth: Int) throws(FileError) -> Bool {
            var info = stat()
            let found = FileSystem.withCPath(name) { fstatat(folder, $0, &info, AT_SYMLINK_NOFOLLOW) }
            guard found == 0 else {
                if errno == ENOENT { return true }
                throw .system("stat", path)
            }
            let isFolder = info.st_mode & S_IFMT == S_IFDIR
            if isFolder {
                guard depth < TreeOwnership.removalDepthLimit else {
                    throw FileError(path: path, message: "\(path) is nested more than \(TreeOwnership.removalDepthLimit) folders deep; it is left in place")
                }
                guard try empty(name, in: folder, path: path, depth: depth) else { return false }
            }
            guard budget > 0 else { return false }
            budget -= 1
            guard FileSystem.withCPath(name, { unlinkat(folder, $0, isFolder ? AT_REMOVEDIR : 0) }) == 0 || errno == ENOENT else {
                throw .system("remove", path)
            }
            return true
        }

        /// Makes the folder `name` this process's, mode 0700, and removes its entries; true when it is empty.
        mutating func empty(_ name: [UInt8], in folder: Int32, path: String, depth: Int) throws(FileError) -> Bool {
            let node = FileSystem.withCPath(name) { openat(folder, $0, TreeOwnership.pathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard node >= 0 else {
                if errno == ENOENT { return true }
                throw .system("open the folder", path)
            }
            defer { close(node) }
            var info = stat()
            guard fstat(node, &info) == 0 else { throw .system("stat", path) }
            guard info.st_dev == device else {
                throw FileError(path: path, message: "\(path) is on another filesystem; it is left in place")
            }
            if info.st_uid != geteuid() {
                if let owner, info.st_uid != owner {
                    throw FileError(path: path, message: "\(path) belongs to uid \(info.st_uid), not to the folder's owner; it is left in place")
                }
                try TreeOwnership.chown(node, to: geteuid(), group: getegid(), path: path)
            }
            if info.st_uid != geteuid() || info.st_mode & 0o777 != 0o700 { try TreeOwnership.chmod(node, 0o700, path: path) }
            let listing = openat(node, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard listing >= 0 else { throw .system("open the folder", path) }
            defer { close(listing) }
            for child in FileSystem.rawEntries(ofOpen: listing) ?? [] {
                let childPath = path + "/" + String(decoding: child, as: UTF8.self)
                guard try remove(child, in: listing, path: childPath, depth: depth + 1) else { return false }
            }
            return true
        }
    }
}
