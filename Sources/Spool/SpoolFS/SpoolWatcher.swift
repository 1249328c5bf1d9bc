import Base
import Foundation
import Glibc

/// Tells when something may have arrived in `incoming/`, through inotify.
///
/// A hint only: the directory is the truth. Create the watcher *before* the first scan of
/// `incoming/`, so nothing that arrives between the scan and the watch goes unnoticed; then loop:
/// wait, rescan the whole directory, act on what the scan finds. Rescan also on `.overflowed`, and
/// every so often on `.quiet` (the watch covers the `incoming/` folder that existed when it was
/// made; if that folder is replaced, only the periodic rescans see the new one).
///
/// `wait(timeout:)` is for one thread at a time; `cancel()` may be called from any thread and makes
/// the current and every later wait return `.cancelled`. Close the watcher once no thread waits.
public final class SpoolWatcher: @unchecked Sendable {
    /// What a wait saw.
    public enum Wake: Sendable, Equatable {
        /// Entries were created, written or moved in; their names, each once, in the order first
        /// seen (a hint, possibly incomplete). `whole`: those whose last event says they are
        /// complete: moved in by rename, or a file closed after writing (not merely created).
        case changed(names: [String], whole: Set<String>)
        /// The kernel's event queue overflowed: events were lost, rescan.
        case overflowed
        /// Nothing happened within the timeout.
        case quiet
        /// `cancel()` was called.
        case cancelled
    }

    /// The events watched: an entry moved in, a file written and closed, an entry created. The
    /// kernel reports a queue overflow (`IN_Q_OVERFLOW`) whatever the mask.
    static let mask = UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_CREATE) | UInt32(IN_ONLYDIR)

    private var inotify: Int32
    private var cancelRead: Int32
    private var cancelWrite: Int32
    private let lock = NSLock()

    /// Starts watching `layout.incoming`.
    /// - Throws: `FileError` when inotify is unavailable or the folder cannot be watched.
    public init(layout: SpoolLayout) throws(FileError) {
        let path = layout.incoming.path
        inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else {
            throw FileError(path: path, message: "cannot start inotify: \(String(cString: strerror(errno)))",
                             hint: errno == EMFILE ? "raise fs.inotify.max_user_instances" : nil, code: errno)
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard inotify_add_watch(inotify, path, Self.mask) >= 0, pipe(&pipeEnds) == 0 else {
            let code = errno
            Glibc.close(inotify)
            throw .system("watch", path, code: code)
        }
        cancelRead = pipeEnds[0]
        cancelWrite = pipeEnds[1]
        for fd in pipeEnds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit { close() }

    /// Waits until something happens in `incoming/`, `timeout` passes (nil: no limit) or the
    /// watcher is cancelled. Events that arrived together are returned together.
    public func wait(timeout: Duration?) throws(FileError) -> Wake {
        let milliseconds = timeout.map { Int32(clamping: $0.components.seconds * 1000
                                                 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
        guard inotify >= 0 else { return .cancelled }
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: cancelRead, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready >= 0 else { throw .system("wait for events on", "inotify") }
            if fds[1].revents != 0 { return .cancelled }
            return ready == 0 ? .quiet : try drain()
        }
    }

    /// Makes the current and every later `wait` return `.cancelled`.
    public func cancel() {
        lock.lock()
        defer { lock.unlock() }
        guard cancelWrite >= 0 else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(cancelWrite, &byte, 1)
    }

    /// Stops watching and releases the file descriptors; later waits return `.cancelled`.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        for fd in [inotify, cancelRead, cancelWrite] where fd >= 0 { Glibc.close(fd) }
        inotify = -1
        cancelRead = -1
        cancelWrite = -1
    }

    /// Reads every queued event.
    private func drain() throws(FileError) -> Wake {
        var names: [String] = []
        var whole = Set<String>()
        var overflowed = false
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(inotify, buffer, capacity)
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN { break }
            guard count > 0 else { throw .system("read events from", "inotify") }
            InotifyEvent.parse(UnsafeRawBufferPointer(start: buffer, count: count)) { event in
                if event.mask & UInt32(IN_Q_OVERFLOW) != 0 { overflowed = true }
                guard let name = event.name, event.mask & Self.mask != 0 else { return }
                if !names.contains(name) { names.append(name) }
                if event.mask & (UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE)) != 0 {
                    whole.insert(name)
                } else {
                    whole.remove(name)
                }
            }
        }
        return overflowed ? .overflowed : .changed(names: names, whole: whole)
    }
}

/// One record read from an inotify descriptor: `int wd; uint32_t mask, cookie, len;` then `len`
/// bytes holding the NUL-padded name of the entry, for events on a watched folder's entries.
struct InotifyEvent {
    static let headerSize = 16

    var mask: UInt32
    var name: String?

    /// Calls `body` with each event in `bytes`, as the kernel packs them.
    static func parse(_ bytes: UnsafeRawBufferPointer, _ body: (InotifyEvent) -> Void) {
        var offset = 0
        while offset + headerSize <= bytes.count {
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameBytes = bytes[(offset + headerSize)..<min(offset + headerSize + length, bytes.count)]
            let name = nameBytes.prefix { $0 != 0 }
            body(InotifyEvent(mask: mask, name: name.isEmpty ? nil : String(decoding: name, as: UTF8.self)))
            offset += headerSize + length
        }
    }
}
