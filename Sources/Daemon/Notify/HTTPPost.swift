import Foundation
import Glibc

/// A plain-HTTP POST over a socket: resolve, connect, send the request with `Connection: close`,
/// read the status line. Written by hand because Foundation's HTTP client (FoundationNetworking)
/// links libcurl and OpenSSL into every ptune process: 6 MB more resident memory for the daemon
/// and a slower start for every CLI call, for one POST a job. Only http:// URLs; an https receiver
/// is reached through the command channel (curl) or a local relay.
enum HTTPPost {
    /// POSTs `body` to `url` and returns the answer's status code.
    static func send(_ body: Data, to url: URL, headers: [String: String], timeout: Double) throws -> Int {
        guard url.scheme == "http", let host = url.host else { throw DeliveryError("\(url): only http:// URLs are posted") }
        let fd = try connect(host: host, port: url.port ?? 80, timeout: timeout)
        defer { close(fd) }
        let target = requestTarget(url)
        guard !target.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) else {
            throw DeliveryError("\(url): the path holds spaces or control characters")
        }
        var head = "POST \(target) HTTP/1.1\r\nHost: \(host)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        guard SocketIO.sendAll(fd, Data((head + "\r\n").utf8) + body) else {
            throw DeliveryError("\(url): the connection closed while sending")
        }
        let answer = SocketIO.receive(fd, limit: 8192) { $0.contains(0x0A) }.data
        let words = String(decoding: answer, as: UTF8.self).split(separator: "\n").first?.split(separator: " ") ?? []
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else {
            throw DeliveryError("\(url): no HTTP answer within \(timeout) s")
        }
        return status
    }

    /// The path and query as the URL spells them, percent-encoding kept (a decoded one could hold
    /// a line break, and with it a request of its own).
    static func requestTarget(_ url: URL) -> String {
        let parts = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = parts?.percentEncodedPath ?? ""
        return (path.isEmpty ? "/" : path) + (parts?.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    private static func connect(host: String, port: Int, timeout: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
            throw DeliveryError("http://\(host):\(port): cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        var lastError = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            SocketIO.setTimeouts(fd, seconds: timeout)
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            lastError = errno
            close(fd)
        }
        throw DeliveryError("http://\(host):\(port): cannot connect: \(String(cString: strerror(lastError)))")
    }
}
