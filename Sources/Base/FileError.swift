import Glibc

/// A file or system operation that could not be done: what went wrong, on which path, and what to do.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or folder concerned.
    public var path: String
    public var message: String
    public var hint: String?
    /// The `errno` of the failed system call, when one failed.
    public var code: Int32?

    public init(path: String, message: String, hint: String? = nil, code: Int32? = nil) {
        self.path = path
        self.message = message
        self.hint = hint
        self.code = code
    }

    /// A failed system call `operation` on `path`, with the system's reason.
    public static func system(_ operation: String, _ path: String, code: Int32 = errno) -> FileError {
        FileError(path: path, message: "cannot \(operation) \(path): \(String(cString: strerror(code)))",
                  hint: code == ENOSPC ? "free some disk space and retry" : nil, code: code)
    }

    /// A failure of the machine rather than of the file: a full disk or quota, an I/O error, a
    /// read-only filesystem, no memory or descriptors left. Retrying later may succeed.
    public var isMachineFailure: Bool {
        code.map { [ENOSPC, EDQUOT, EIO, EROFS, ENOMEM, EMFILE, ENFILE].contains($0) } ?? false
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }
}
