import Base
import Foundation
import Glibc

/// A listening TCP socket that answers `GET /metrics` with the text a closure makes, one short
/// connection at a time. Written on the bare socket API because no package of ours serves HTTP, and
/// a scrape endpoint needs only the request line: every request is read with a deadline, at most
/// `maxRequestBytes`, and answered with `Connection: close`, so a slow or hostile client costs a
/// scrape at most `ioTimeoutSeconds` and never touches the scheduler.
final class MetricsEndpoint {
    static let maxRequestBytes = 8192
    static let ioTimeoutSeconds = 2

    let fd: Int32
    /// The address bound, its port resolved when 0 was asked for.
    let address: MetricsSettings.Address

    /// Binds and listens on `address`; throws with the address and the reason when it cannot.
    init(address: MetricsSettings.Address) throws {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Self.error("socket", address, errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        let length = Self.fill(&storage, address)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw Self.error("bind", address, code)
        }
        var resolved = address
        resolved.port = Self.boundPort(fd) ?? address.port
        self.fd = fd
        self.address = resolved
    }

    deinit { close(fd) }

    /// Accepts one waiting connection and answers it with `body()` for `GET /metrics`.
    func serveOne(_ body: () -> Result<String, Error>) {
        let client = accept(fd, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        SocketIO.setTimeouts(client, seconds: Double(Self.ioTimeoutSeconds))
        guard let request = Self.readHead(client) else { return }
        let words = request.split(separator: " ", maxSplits: 2)
        let (code, text): (String, String)
        if words.count < 2 || (words[0] != "GET" && words[0] != "HEAD") {
            (code, text) = ("405 Method Not Allowed", "only GET /metrics is served\n")
        } else if words[1] != "/metrics" && !words[1].hasPrefix("/metrics?") {
            (code, text) = ("404 Not Found", "the figures are at /metrics\n")
        } else {
            switch body() {
            case .success(let exposition): (code, text) = ("200 OK", exposition)
            case .failure(let error): (code, text) = ("500 Internal Server Error", "cannot read the figures: \(error)\n")
            }
        }
        let payload = Data(text.utf8)
        let type = code.hasPrefix("200") ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8"
        var reply = Data("HTTP/1.1 \(code)\r\nContent-Type: \(type)\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n".utf8)
        if words.first != "HEAD" { reply.append(payload) }
        SocketIO.sendAll(client, reply)
    }

    /// The request line, once the head has arrived (or the first line, when it alone fills the
    /// limit); nil on a timeout or a closed connection.
    private static func readHead(_ client: Int32) -> Substring? {
        let (head, complete) = SocketIO.receive(client, limit: maxRequestBytes) { head in
            head.count >= 4 && (head.suffix(4) == Data([13, 10, 13, 10]) || head.suffix(2) == Data([10, 10]))
        }
        guard complete else { return nil }
        return String(decoding: head, as: UTF8.self).split(whereSeparator: \.isNewline).first
    }

    private static func fill(_ storage: inout sockaddr_storage, _ address: MetricsSettings.Address) -> socklen_t {
        withUnsafeMutablePointer(to: &storage) { pointer in
            if address.isIPv6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    a.pointee.sin6_family = sa_family_t(AF_INET6)
                    a.pointee.sin6_port = address.port.bigEndian
                    inet_pton(AF_INET6, address.host, &a.pointee.sin6_addr)
                    return socklen_t(MemoryLayout<sockaddr_in6>.size)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                a.pointee.sin_family = sa_family_t(AF_INET)
                a.pointee.sin_port = address.port.bigEndian
                inet_pton(AF_INET, address.host, &a.pointee.sin_addr)
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
        }
    }

    private static func boundPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { return nil }
        // sin_port and sin6_port sit at the same offset, right after the family.
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    private static func error(_ call: String, _ address: MetricsSettings.Address, _ code: Int32) -> ActionableError {
        ActionableError("metrics: cannot listen on \(address): \(call): \(String(cString: strerror(code)))",
                        hint: "choose another [metrics] listen address or free the port")
    }
}
