import Glibc

/// The file-system calls the spool and the daemon are built on, with errors that name the path.
/// Symbolic links are never followed.
public enum FileSystem {
    /// The `lstat` of `path`, or nil when nothing is there.
    public static func status(_ path: String) throws(FileError) -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT { return nil }
        throw .system("stat", path)
    }

    public static func isDirectory(_ info: stat?) -> Bool { info.map { $0.st_mode & S_IFMT == S_IFDIR } ?? false }

    public static func isRegularFile(_ info: stat?) -> Bool { info.map { $0.st_mode & S_IFMT == S_IFREG } ?? false }

    /// Creates the folder `path` with exactly `mode` (the umask is overridden), keeping a set-group-ID
    /// bit it inherits. Returns false when a folder is there already (left as it is).
    @discardableResult
    public static func makeDirectory(_ path: String, mode: mode_t) throws(FileError) -> Bool {
        if mkdir(path, 0o700) != 0 {
            let code = errno
            if code == EEXIST, isDirectory(try status(path)) { return false }
            throw .system("create folder", path, code: code)
        }
        guard let info = try status(path) else { throw .system("create folder", path, code: ENOENT) }
        guard chmod(path, mode | (info.st_mode & S_ISGID)) == 0 else { throw .system("set the mode of", path) }
        return true
    }

    /// The outcome of a rename that never replaces its target.
    public enum RenameResult {
        case renamed
        /// The source was not there.
        case sourceMissing
        /// Something is at the target already.
        case targetExists
    }

    /// Renames `source` to `target` unless something is at `target` (Linux `renameat2` with
    /// `RENAME_NOREPLACE`; on a filesystem without it, a check then a rename).
    public static func renameNoReplace(_ source: String, _ target: String) throws(FileError) -> RenameResult {
        if let code = FaultInjection.step("rename \(source) \(target)") {
            throw .system("rename \(source) to", target, code: code)
        }
        return try renameNoReplace(raw: Array(source.utf8), to: target)
    }

    /// `renameNoReplace` for a source path given as bytes, which need not be UTF-8.
    static func renameNoReplace(raw source: [UInt8], to target: String) throws(FileError) -> RenameResult {
        var result = withCPath(source) { renameat2NoReplace?(AT_FDCWD, $0, AT_FDCWD, target, 1) ?? -1 }
        var code = renameat2NoReplace == nil ? EINVAL : errno
        if result != 0, code == EINVAL || code == ENOSYS {
            if try status(target) != nil {
                code = EEXIST
            } else {
                result = withCPath(source) { rename($0, target) }
                code = errno
            }
        }
        if result == 0 { return .renamed }
        var info = stat()
        if code == ENOENT, withCPath(source, { lstat($0, &info) }) != 0, errno == ENOENT { return .sourceMissing }
        switch code {
        case EEXIST, ENOTEMPTY: return .targetExists
        default: throw .system("rename \(String(decoding: source, as: UTF8.self)) to", target, code: code)
        }
    }

    private typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

    /// glibc's `renameat2`, which the Swift Glibc module does not export, found at run time.
    private static let renameat2NoReplace: Renameat2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: Renameat2.self)
    }()

    /// The names in the folder `path`, without `.` and `..`. A name that is not valid UTF-8 comes back
    /// with U+FFFD in place of its bad bytes (`renameUndecodableEntries` gives such entries names).
    public static func entries(of path: String) throws(FileError) -> [String] {
        try rawEntries(of: Array(path.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The names in the folder at the path `path` (bytes), as bytes, without `.` and `..`.
    static func rawEntries(of path: [UInt8]) throws(FileError) -> [[UInt8]] {
        let folder = withCPath(path) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { if folder >= 0 { close(folder) } }
        guard folder >= 0, let names = rawEntries(ofOpen: folder) else {
            throw .system("list", String(decoding: path, as: UTF8.self))
        }
        return names
    }

    /// The names in the open folder `folder`, as bytes, without `.` and `..`; nil when it cannot be
    /// read. The descriptor stays open.
    static func rawEntries(ofOpen folder: Int32) -> [[UInt8]]? {
        let listing = dup(folder)
        guard listing >= 0 else { return nil }
        guard let stream = fdopendir(listing) else {
            close(listing)
            return nil
        }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [0x2E], name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    /// Calls `body` with `path` as a NUL-terminated C string.
    static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (path + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// Removes `path` and everything under it, without following symbolic links; best effort. Names
    /// that are not valid UTF-8 are removed too. Each folder is opened once, with O_NOFOLLOW, and
    /// emptied through its descriptor, so a folder swapped for a link while the tree is removed (by
    /// whoever can write in it) cannot turn the removal onto the link's target.
    public static func removeTree(_ path: String) {
        let folder = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if folder >= 0 {
            removeContents(of: folder)
            close(folder)
            if rmdir(path) == 0 { return }
        }
        unlink(path)
    }

    /// Removes everything in the folder `path`, which stays, empty; best effort, as `removeTree`.
    public static func removeContents(of path: String) {
        let folder = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folder >= 0 else { return }
        removeContents(of: folder)
        close(folder)
    }

    /// Removes every entry of the open folder `folder`, folders depth first.
    private static func removeContents(of folder: Int32) {
        for name in rawEntries(ofOpen: folder) ?? [] {
            withCPath(name) { name in
                let child = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child >= 0 {
                    removeContents(of: child)
                    close(child)
                    if unlinkat(folder, name, AT_REMOVEDIR) == 0 { return }
                }
                unlinkat(folder, name, 0)
            }
        }
    }
}
