import Foundation
import Glibc

/// The blocking socket calls the metrics endpoint and the notification deliveries share: time
/// limits, sending everything without SIGPIPE, and receiving up to a condition.
enum SocketIO {
    /// Sets the send (and, with `receive`, the receive) time limit of `fd` to `seconds`.
    static func setTimeouts(_ fd: Int32, seconds: Double, receive: Bool = true) {
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        if receive { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size)) }
    }

    /// Sends all of `data` (retrying EINTR, MSG_NOSIGNAL so a closed peer is an error, not
    /// SIGPIPE); false when the peer is gone or the time limit passed.
    @discardableResult
    static func sendAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = send(fd, bytes.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
    }

    /// Receives until `isComplete` holds for what arrived or `limit` bytes did; `complete` is false
    /// when the peer closed or the time limit passed first.
    static func receive(_ fd: Int32, limit: Int, until isComplete: (Data) -> Bool) -> (data: Data, complete: Bool) {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 2048)
        while data.count < limit {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return (data, false) }
            data.append(contentsOf: chunk[0..<n])
            if isComplete(data) { break }
        }
        return (data, true)
    }
}
