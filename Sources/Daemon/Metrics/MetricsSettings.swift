import Base
import Foundation
import Glibc

/// The `[metrics]` table of the daemon's config file: where the Prometheus figures go. Off unless
/// the table is there; at least one of the two outputs must be named.
///
///     [metrics]
///     listen = "127.0.0.1:9464"        # a scrape endpoint (GET /metrics), on a literal address
///     textfile = "/var/lib/prometheus/node-exporter/ptune.prom"   # for node_exporter's textfile collector
///     textfile_seconds = 5             # how often the textfile is rewritten
public struct MetricsSettings: Sendable, Equatable {
    /// An IPv4 or IPv6 address and a port (0: any free port, which the status then names).
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: UInt16
        public var isIPv6: Bool { host.contains(":") }

        /// "127.0.0.1:9464", "[::1]:9464" or "localhost:9464" (127.0.0.1); nil when it is not one.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            if host == "localhost" { host = "127.0.0.1" }
            var probe = in6_addr()
            guard inet_pton(host.contains(":") ? AF_INET6 : AF_INET, host, &probe) == 1 else { return nil }
            self.host = host
            self.port = port
        }

        public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var listen: Address?
    public var textfile: String?
    public var textfileSeconds: Double = 5

    public init(listen: Address? = nil, textfile: String? = nil, textfileSeconds: Double = 5) {
        self.listen = listen
        self.textfile = textfile
        self.textfileSeconds = textfileSeconds
    }

    static let keys = ["listen", "textfile", "textfile_seconds"]

    /// Reads `[metrics]`, with errors naming the file and the key.
    static func read(_ table: ConfigReader) throws -> MetricsSettings {
        try table.checkKeys(keys)
        var settings = MetricsSettings()
        if let text = try table.string("listen") {
            guard let address = Address(text) else {
                throw ActionableError("\(table.file): metrics.listen must be ADDRESS:PORT with a literal IP address, got \"\(text)\"",
                                      hint: "for example \"127.0.0.1:9464\" or \"[::1]:9464\"")
            }
            settings.listen = address
        }
        if let path = try table.string("textfile") {
            guard path.hasPrefix("/"), path.hasSuffix(".prom") else {
                throw ActionableError("\(table.file): metrics.textfile must be an absolute path ending in .prom, got \"\(path)\"",
                                      hint: "node_exporter's textfile collector reads only *.prom files")
            }
            settings.textfile = path
        }
        settings.textfileSeconds = try table.double("textfile_seconds") ?? settings.textfileSeconds
        guard settings.listen != nil || settings.textfile != nil else {
            throw ActionableError("\(table.file): [metrics] names no output",
                                  hint: "set listen = \"127.0.0.1:9464\" and/or textfile = \"/PATH/ptune.prom\", or remove the table")
        }
        return settings
    }
}
