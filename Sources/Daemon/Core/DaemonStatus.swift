import Base
import Foundation
import Spool

/// What the running daemon publishes for `ptune status` in `control/status.json` (rewritten every
/// few seconds): its budgets, its live workers, and the entries of `incoming/` it could not take.
public struct DaemonStatus: Codable, Sendable {
    public struct Worker: Codable, Sendable {
        public var jobID: String
        public var name: String
        /// The local process; nil when a cluster runs the worker.
        public var pid: Int32?
        public var attempt: Int
        public var startedAt: Date
        public var threads: Int
        public var memoryMB: Int
        public var residentMB: Double?
        public var step: Int?
        public var total: Int?
        /// The last step's training loss and training tokens per second, as the worker reported them.
        public var loss: Double?
        public var tokensPerSecond: Double?
        /// The cluster's job id and node, when a cluster runs the worker.
        public var clusterJobID: String?
        public var node: String?
    }

    /// An entry of `incoming/` the daemon could not take, and why: left there, skipped until its
    /// owner changes it.
    public struct Untaken: Codable, Sendable, Equatable {
        public var entry: String
        public var reason: String
        public var since: Date
    }

    public var pid: Int32
    public var updatedAt: Date
    /// The executor's name (`ExecutorKind.name`).
    public var executor: String?
    public var cores: Int
    public var memoryMB: Int
    public var maxJobs: Int
    public var stopping: Bool
    public var workers: [Worker]
    /// Entries of `incoming/` left untaken; nil in a status written before there were any.
    public var untaken: [Untaken]?
    /// Where the Prometheus endpoint listens (`[metrics] listen`, its port resolved), when it does.
    public var metricsAddress: String?

    /// The threads and the memory the live workers were given, summed.
    public var requestedThreads: Int { workers.reduce(0) { $0 + $1.threads } }
    public var requestedMemoryMB: Int { workers.reduce(0) { $0 + $1.memoryMB } }

    static func path(_ layout: SpoolLayout) -> URL {
        layout.control.appendingPathComponent("status.json")
    }

    /// The status the daemon of `spool` last wrote, if any.
    public static func read(spool: URL) -> DaemonStatus? {
        guard let data = try? Data(contentsOf: path(SpoolLayout(root: spool))) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(DaemonStatus.self, from: data)
    }

    func write(_ layout: SpoolLayout) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let url = Self.path(layout)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(try encoder.encode(self), to: url.path)
    }
}
