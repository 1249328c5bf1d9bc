import Base
import Glibc

/// A whole file mapped read-only into memory; unmapped when the object is released. Pages a reader is
/// done with can be handed back (`release`), so a model read once does not stay in the process's
/// memory beside what was made of it. The bytes can also be a copy of a file's contents held in
/// memory (read from a database), under the name errors give it.
final class MappedFile: @unchecked Sendable {
    let path: String
    /// The file's bytes (empty for an empty file).
    let bytes: UnsafeRawBufferPointer
    /// True when `bytes` is a copy this object allocated, not a mapping.
    private let isCopy: Bool

    /// A copy of `contents`, named `path` in errors.
    init(copying contents: UnsafeRawBufferPointer, path: String) {
        self.path = path
        isCopy = true
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, contents.count), alignment: 64)
        copy.copyMemory(from: contents)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<contents.count])
    }

    init(path: String) throws {
        self.path = path
        isCopy = false
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelFileError.cannotOpen(path: path, reason: errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelFileError.cannotOpen(path: path, reason: errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFileError.cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelFileError.cannotOpen(path: path, reason: "mmap failed: \(errnoText())")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    /// Drops the pages wholly inside `range` (byte offsets) from this process's memory. Reading them
    /// again is still correct: the kernel reads them back from the file (or its page cache).
    func release(_ range: Range<Int>) {
        guard !isCopy, let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = min(range.upperBound, bytes.count) / page * page
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// SHA-256 of the whole file as 64 lowercase hex digits, read a block at a time, each block's
    /// pages released once hashed.
    func sha256() -> String {
        let block = 16 << 20
        var hasher = ContentHash.Hasher()
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + block)
            hasher.update(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            release(offset..<end)
            offset = end
        }
        return hasher.finalizeHex()
    }

    deinit {
        guard let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress) else { return }
        if isCopy { base.deallocate() } else { munmap(base, bytes.count) }
    }
}

/// The current `errno` as text.
func errnoText() -> String { String(cString: strerror(errno)) }
