import Base
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file of a bundle cannot be used.
struct BundleFileError: Error, Equatable {
    var message: String
    var hint: String?
}

/// Reads files inside a bundle and refuses anything that could reach outside it: absolute paths,
/// `..`, symbolic links anywhere on the path, and anything but a regular file.
struct BundleFileReader {
    /// The bundle's directory, with symbolic links resolved.
    let root: URL
    /// The largest file accepted, in bytes.
    let maxFileBytes: Int

    /// Checks a path as written in the manifest, before it touches the filesystem.
    static func checkRelativePath(_ path: String) -> BundleFileError? {
        let inside = "paths are relative to the bundle and stay inside it"
        if path.isEmpty { return BundleFileError(message: "empty path") }
        if path.contains("\0") { return BundleFileError(message: "path contains a NUL character") }
        if path.hasPrefix("/") || path.hasPrefix("~") {
            return BundleFileError(message: "\"\(path)\" is an absolute path", hint: inside)
        }
        if path.split(separator: "/").contains("..") {
            return BundleFileError(message: "\"\(path)\" has a .. component", hint: inside)
        }
        return nil
    }

    /// Whether anything (even a broken symbolic link) is at `path`.
    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(root.appendingPathComponent(path).path, &info) == 0
    }

    /// The bytes of the regular file at `path`, relative to the root.
    func contents(of path: String) throws(BundleFileError) -> [UInt8] {
        if let error = Self.checkRelativePath(path) { throw error }
        let components = path.split(separator: "/").filter { $0 != "." }
        var url = root
        for (index, component) in components.enumerated() {
            url.appendPathComponent(String(component))
            let isLast = index == components.count - 1
            var info = stat()
            guard lstat(url.path, &info) == 0 else {
                throw BundleFileError(message: isLast ? "\"\(path)\" not found"
                                                      : "folder \"\(component)\" of \"\(path)\" not found")
            }
            if let reason = Self.rejection(mode: info.st_mode, expectDirectory: !isLast) {
                let what = isLast ? "\"\(path)\"" : "\"\(component)\" in \"\(path)\""
                throw BundleFileError(message: "\(what) \(reason)",
                                      hint: "a bundle holds its data as regular files inside its folder")
            }
        }
        return try readRegularFile(components.joined(separator: "/"), shownAs: path)
    }

    /// Why a file of this mode is refused, or nil when it is the expected kind.
    private static func rejection(mode: mode_t, expectDirectory: Bool) -> String? {
        switch mode & S_IFMT {
        case S_IFLNK: "is a symbolic link"
        case S_IFDIR: expectDirectory ? nil : "is a directory"
        case S_IFREG: expectDirectory ? "is a file, not a folder" : nil
        case S_IFIFO: "is a FIFO"
        case S_IFCHR, S_IFBLK: "is a device"
        case S_IFSOCK: "is a socket"
        default: "is not a regular file"
        }
    }

    /// Opens the file through the folders' descriptors (`DirectoryTree`), so a folder on the way
    /// swapped for a link after the checks above cannot lead outside the bundle.
    private func readRegularFile(_ relative: String, shownAs path: String) throws(BundleFileError) -> [UInt8] {
        let fd: Int32
        do {
            fd = try DirectoryTree.openRegularFile(relative, under: root.path)
        } catch {
            throw BundleFileError(message: "cannot open \"\(path)\": \(error.message)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw BundleFileError(message: "\"\(path)\" is not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= maxFileBytes else {
            throw BundleFileError(message: "\"\(path)\" is \(ByteCount(size)); the limit is \(ByteCount(maxFileBytes))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, size - filled) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw BundleFileError(message: "cannot read \"\(path)\": \(n < 0 ? String(cString: strerror(errno)) : "file shrank while reading")")
            }
            filled += n
        }
        return bytes
    }
}
