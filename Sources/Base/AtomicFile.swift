import Foundation
import Glibc

/// Crash-safe file replacement: write `PATH.tmp`, fsync it, rename it over `PATH`, fsync the
/// directory. After a crash at any point, `PATH` is either the old file or the complete new one.
public enum AtomicFile {
    /// Appends bytes to the temporary file being written.
    public struct Sink {
        let fd: Int32
        let path: String

        /// Writes all of `bytes`, retrying short writes and EINTR.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard let base = bytes.baseAddress else { return }
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, base + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.system("write", path, code: errno)
                }
                done += n
            }
        }

        public func write(_ data: Data) throws {
            try data.withUnsafeBytes { try write($0) }
        }

        /// Sets the file's mode exactly, whatever the process's umask took away at creation.
        public func setMode(_ mode: mode_t) throws {
            guard fchmod(fd, mode) == 0 else { throw FileError.system("chmod", path, code: errno) }
        }
    }

    /// Replaces `path` with what `body` writes; file mode `mode`.
    ///
    /// `PATH.tmp` is always a new file: whatever stands at that name (a temporary a crash left, or a
    /// link someone planted to make the write land elsewhere) is unlinked first, and the file is
    /// created with O_EXCL | O_NOFOLLOW, so the write never goes through a link.
    public static func write(to path: String, mode: mode_t = 0o644, _ body: (Sink) throws -> Void) throws {
        let temporary = path + ".tmp"
        let fd = try createNew(temporary, mode: mode)
        do {
            defer { close(fd) }
            if let code = FaultInjection.step("write \(temporary)") {
                throw FileError.system("write", temporary, code: code)
            }
            try body(Sink(fd: fd, path: temporary))
            if let code = FaultInjection.step("fsync \(temporary)") {
                throw FileError.system("fsync", temporary, code: code)
            }
            guard fsync(fd) == 0 else { throw FileError.system("fsync", temporary, code: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        if let code = FaultInjection.step("rename \(temporary) \(path)") {
            unlink(temporary)
            throw FileError.system("rename", path, code: code)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError.system("rename", path, code: code)
        }
        try syncDirectory(containing: path)
    }

    /// Creates `path` as a new regular file open for writing, after unlinking what stands there.
    private static func createNew(_ path: String, mode: mode_t) throws(FileError) -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var fd = open(path, flags, mode)
        if fd < 0, errno == EEXIST {
            guard unlink(path) == 0 || errno == ENOENT else { throw FileError.system("replace", path, code: errno) }
            fd = open(path, flags, mode)
        }
        guard fd >= 0 else { throw FileError.system("create", path, code: errno) }
        return fd
    }

    /// Replaces `path` with `data`.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        try write(to: path, mode: mode) { try $0.write(data) }
    }

    /// fsyncs the directory holding `path`, making a rename or unlink in it durable.
    public static func syncDirectory(containing path: String) throws(FileError) {
        let directory = (path as NSString).deletingLastPathComponent
        try syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// fsyncs the directory `directory`.
    public static func syncDirectory(_ directory: String) throws(FileError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.system("open directory", directory, code: errno) }
        defer { close(fd) }
        if let code = FaultInjection.step("fsync \(directory)/") {
            throw FileError.system("fsync directory", directory, code: code)
        }
        guard fsync(fd) == 0 else { throw FileError.system("fsync directory", directory, code: errno) }
    }
}
