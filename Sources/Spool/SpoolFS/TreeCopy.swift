import Base
import Foundation
import Glibc

/// Copies a bundle folder: regular files and folders only, each file and folder fsynced, keeping
/// modification times (the daemon waits for entries changed in the last moment to settle).
struct TreeCopy {
    /// The folder being copied, for messages that name a file relative to it.
    let sourceRoot: String
    /// The mode of every copied folder: its owner's alone.
    var folderMode: mode_t = 0o700
    /// The mode of every copied file: its owner's alone.
    var fileMode: mode_t = 0o600
    /// The most bytes one file may hold; a larger one is refused before it is read.
    var maxFileBytes = Int.max

    /// Copies the contents of the folder `source` into the existing folder `target`, then gives
    /// `target` `mode` and fsyncs it.
    func copyFolder(_ source: String, to target: String, mode: mode_t) throws(FileError) {
        for name in try FileSystem.entries(of: source).sorted() {
            let from = source + "/" + name
            let to = target + "/" + name
            guard let info = try FileSystem.status(from) else {
                throw FileError(path: from, message: "\(shown(from)) vanished while being copied")
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try FileSystem.makeDirectory(to, mode: 0o700)
                try copyFolder(from, to: to, mode: folderMode)
            case S_IFREG:
                try copyFile(from, toNew: to)
            default:
                throw FileError(path: from, message: "\(shown(from)) \(Self.kind(info.st_mode)); not submitted",
                                 hint: "a bundle holds regular files and folders only; replace it with a copy of the file it stands for")
            }
        }
        guard chmod(target, mode | (try FileSystem.status(target).map { $0.st_mode & S_ISGID } ?? 0)) == 0 else {
            throw .system("set the mode of", target)
        }
        if let info = try FileSystem.status(source) {
            let times = [info.st_atim, info.st_mtim]
            guard utimensat(AT_FDCWD, target, times, 0) == 0 else { throw .system("set the times of", target) }
        }
        try AtomicFile.syncDirectory(target)
    }

    /// Copies the regular file `source` to `target`, which must not exist yet (`copyFile(_:to:)`).
    func copyFile(_ source: String, toNew target: String) throws(FileError) {
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system("create", target) }
        Glibc.close(fd)
        try copyFile(source, to: target)
    }

    /// Copies the regular file `source` over the existing file `target`, gives it the file mode and
    /// fsyncs it.
    func copyFile(_ source: String, to target: String) throws(FileError) {
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw .system("open", source) }
        defer { Glibc.close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw FileError(path: source, message: "\(shown(source)) is not a regular file; not submitted")
        }
        guard Int(info.st_size) <= maxFileBytes else {
            throw FileError(path: source, message: "\(shown(source)) is \(ByteCount(Int(info.st_size))); the limit is \(ByteCount(maxFileBytes))",
                             hint: "a bundle's files are its task.toml and training data; leave large files out")
        }
        let output = open(target, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC)
        guard output >= 0 else { throw .system("open", target) }
        defer { Glibc.close(output) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var left = Int(info.st_size)
        while left > 0 {
            let count = read(input, buffer, min(size, left))
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .system("read", source) }
            if count == 0 { break }
            left -= count
            var written = 0
            while written < count {
                let n = write(output, buffer + written, count - written)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw .system("write", target) }
                written += n
            }
        }
        guard fchmod(output, fileMode) == 0 else { throw .system("set the mode of", target) }
        let times = [info.st_atim, info.st_mtim]
        guard futimens(output, times) == 0 else { throw .system("set the times of", target) }
        guard fsync(output) == 0 else { throw .system("fsync", target) }
    }

    /// `path` relative to the folder being copied, quoted.
    private func shown(_ path: String) -> String {
        path.hasPrefix(sourceRoot + "/") ? "\"\(path.dropFirst(sourceRoot.count + 1))\"" : "\"\(path)\""
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFLNK: "is a symbolic link"
        case S_IFIFO: "is a FIFO"
        case S_IFCHR, S_IFBLK: "is a device"
        case S_IFSOCK: "is a socket"
        default: "is not a regular file"
        }
    }
}
