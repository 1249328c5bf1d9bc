import Glibc

/// Changes who owns a folder tree, walking it through descriptors that never follow a link.
///
/// The daemon runs as its own user and takes bundles that other users dropped into the spool:
/// `take` makes such a tree the daemon's (so its submitter can no longer change it, and the daemon
/// can read, move and remove it whatever modes it came with), `hand` gives a finished job's folder
/// to the user it belongs to. Changing another user's files needs `CAP_CHOWN`, which the systemd
/// unit grants; without it a foreign tree cannot be taken (`FileError` with `EPERM`).
///
/// Each entry is opened with `pathOnly | O_NOFOLLOW` relative to its folder's descriptor, checked
/// with `fstat`, and changed through that descriptor (`fchownat` with `AT_EMPTY_PATH`, `chmod` of
/// `/proc/self/fd/N`), so an entry swapped for a link or for something else between the check and
/// the change is never the one changed. Folders are changed before they are opened and listed:
/// once a folder is the daemon's, with mode 0700, nobody else can add, rename or remove an entry
/// in it.
public enum TreeOwnership {
    /// Most entries looked at in one tree; a bundle holds a few, a tree past this is refused.
    public static let entryLimit = 100_000
    /// Most folders nested in one another; a deeper tree is refused.
    public static let depthLimit = 32

    /// Makes the entry `name` of the folder `parent` and everything under it belong to this process
    /// (its effective user and group), with modes 0700 for folders and 0600 for files, when it
    /// belongs to `owner` (or to this process already). Symbolic links, devices, FIFOs and sockets
    /// are left as they are: the copy that follows refuses them with a reason.
    ///
    /// - Throws: `FileError` naming the entry when a file or folder in the tree belongs to someone
    ///   other than `owner` (a hard link to another user's file, or a file placed by another), when
    ///   a regular file of `owner`'s has more than one link (it would change the file elsewhere) or
    ///   is set-user-ID or set-group-ID,
    ///   when the tree holds more than `entryLimit` entries, folders nested deeper than
    ///   `depthLimit`, or files of more than `maxBytes` in all (told
    ///   by their sizes, before anything is read: a huge sparse file costs nothing), or when a
    ///   change fails (`EPERM`: this process may not change owners).
    public static func take(_ name: String, in parent: String, from owner: uid_t, maxBytes: Int) throws(FileError) {
        let folder = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folder >= 0 else { throw .system("open the folder", parent) }
        defer { close(folder) }
        var budget = Budget(entries: entryLimit, bytes: maxBytes, maxBytes: maxBytes)
        try take(Array(name.utf8), in: folder, shown: name, root: parent, owner: owner, depth: 0, budget: &budget)
    }

    private static func take(_ name: [UInt8], in folder: Int32, shown: String, root: String, owner: uid_t,
                             depth: Int, budget: inout Budget) throws(FileError) {
        let path = root + "/" + shown
        let node = FileSystem.withCPath(name) { openat(folder, $0, pathOnly | O_NOFOLLOW | O_CLOEXEC) }
        guard node >= 0 else {
            if errno == ENOENT { return }
            throw .system("open", path)
        }
        defer { close(node) }
        var info = stat()
        guard fstat(node, &info) == 0 else { throw .system("stat", path) }
        let type = info.st_mode & S_IFMT
        guard type == S_IFDIR || type == S_IFREG else { return }
        if type == S_IFREG {
            budget.bytes -= Int(info.st_size)
            guard budget.bytes >= 0 else {
                throw FileError(path: path, message: "the bundle's files hold more than its limit of \(budget.maxBytes) bytes (\"\(shown)\" is \(info.st_size) bytes)",
                                hint: "a bundle holds its task.toml and its training data; leave large files out")
            }
        }
        if info.st_uid != geteuid() {
            guard info.st_uid == owner else {
                throw FileError(path: path, message: "\"\(shown)\" belongs to uid \(info.st_uid), not to the submitter (uid \(owner))",
                                hint: "a bundle holds only its submitter's own files; copy the file instead of linking it")
            }
            // Changing the owner clears these bits, which needs CAP_FOWNER too; a bundle holds data.
            guard type == S_IFDIR || info.st_mode & (S_ISUID | S_ISGID) == 0 else {
                throw FileError(path: path, message: "\"\(shown)\" is a set-user-ID or set-group-ID file",
                                hint: "a bundle holds data, not programs; chmod u-s,g-s it and drop the bundle again")
            }
            guard type == S_IFDIR || info.st_nlink == 1 else {
                throw FileError(path: path, message: "\"\(shown)\" is a hard link (\(info.st_nlink) names for one file)",
                                hint: "submit a copy of the file, not a link to it")
            }
            try chown(node, to: geteuid(), group: getegid(), path: path)
        }
        try chmod(node, type == S_IFDIR ? 0o700 : 0o600, path: path)
        guard type == S_IFDIR else { return }
        guard depth < depthLimit else {
            throw FileError(path: path, message: "\"\(shown)\" is nested more than \(depthLimit) folders deep",
                            hint: "a bundle holds its task.toml and a few data files")
        }
        let listing = openat(node, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listing >= 0 else { throw .system("open the folder", path) }
        defer { close(listing) }
        guard let children = FileSystem.rawEntries(ofOpen: listing) else { throw .system("list", path) }
        for child in children {
            budget.entries -= 1
            guard budget.entries >= 0 else {
                throw FileError(path: root, message: "the bundle holds more than \(entryLimit) files and folders",
                                hint: "a bundle holds its task.toml and a few data files")
            }
            try take(child, in: listing, shown: shown + "/" + String(decoding: child, as: UTF8.self), root: root,
                     owner: owner, depth: depth + 1, budget: &budget)
        }
    }

    /// What a tree being taken may still hold.
    private struct Budget {
        var entries: Int
        var bytes: Int
        let maxBytes: Int
    }

    /// Gives the tree at `path` (a finished job's folder, which this process owns) to user `uid`
    /// and group `group`: folders `folderMode`, files `fileMode`. Links, other non-regular entries,
    /// files with more than one name, anything this process does not own, and whatever lies deeper
    /// than `depthLimit` or past `entryLimit` entries are left as they are.
    ///
    /// - Throws: `FileError` when a change fails (`EPERM`: this process may not give files away).
    public static func hand(_ path: String, to uid: uid_t, group: gid_t, folderMode: mode_t,
                            fileMode: mode_t) throws(FileError) {
        let node = open(path, pathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard node >= 0 else { throw .system("open", path) }
        defer { close(node) }
        var budget = entryLimit
        try hand(node, path: path, to: uid, group: group, modes: (folderMode, fileMode), depth: 0, budget: &budget)
    }

    /// Children first: a folder already given away (mode 0500 to its new owner) could not be listed.
    private static func hand(_ node: Int32, path: String, to uid: uid_t, group: gid_t, modes: (folder: mode_t, file: mode_t),
                             depth: Int, budget: inout Int) throws(FileError) {
        var info = stat()
        guard fstat(node, &info) == 0 else { throw .system("stat", path) }
        let type = info.st_mode & S_IFMT
        // Only what this process made or took: never a file another name shares with someone else.
        guard type == S_IFDIR || type == S_IFREG, info.st_uid == geteuid(), type == S_IFDIR || info.st_nlink == 1 else { return }
        if type == S_IFDIR, depth < depthLimit {
            let listing = openat(node, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard listing >= 0 else { throw .system("open the folder", path) }
            defer { close(listing) }
            for child in FileSystem.rawEntries(ofOpen: listing) ?? [] {
                budget -= 1
                guard budget >= 0 else { break }
                let childNode = FileSystem.withCPath(child) { openat(listing, $0, pathOnly | O_NOFOLLOW | O_CLOEXEC) }
                guard childNode >= 0 else { continue }
                defer { close(childNode) }
                try hand(childNode, path: path + "/" + String(decoding: child, as: UTF8.self), to: uid, group: group,
                         modes: modes, depth: depth + 1, budget: &budget)
            }
        }
        // The mode first: once the file is another user's, this process may not change it.
        try chmod(node, type == S_IFDIR ? modes.folder : modes.file, path: path)
        try chown(node, to: uid, group: group, path: path)
    }

    /// `fchownat(node, "", AT_EMPTY_PATH)`: the file the descriptor stands for, whatever its name is now.
    static func chown(_ node: Int32, to uid: uid_t, group: gid_t, path: String) throws(FileError) {
        guard fchownat(node, "", uid, group, emptyPath) != 0 else { return }
        let code = errno
        throw FileError(path: path, message: "cannot change the owner of \(path): \(String(cString: strerror(code)))",
                        hint: code == EPERM ? "the daemon needs CAP_CHOWN to take in other users' bundles (the systemd unit grants it)" : nil,
                        code: code)
    }

    /// The mode of the file an `O_PATH` descriptor stands for (`fchmod` does not take such descriptors).
    static func chmod(_ node: Int32, _ mode: mode_t, path: String) throws(FileError) {
        guard Glibc.chmod("/proc/self/fd/\(node)", mode) == 0 else { throw .system("set the mode of", path) }
    }

    /// `O_PATH` (Linux), which the Swift Glibc module does not export.
    static let pathOnly: Int32 = 0o10000000

    /// `AT_EMPTY_PATH` (Linux), which the Swift Glibc module does not export.
    static let emptyPath: Int32 = 0x1000
}
