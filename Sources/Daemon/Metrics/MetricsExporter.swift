import Base
import Foundation
import Glibc
import Logging
import Store
import Synchronization

/// Exports the daemon's figures (`ServiceMetrics`) on a thread of its own: answers scrapes of the
/// `[metrics] listen` endpoint, and rewrites the `[metrics] textfile` atomically every
/// `textfile_seconds`. It reads the history through its own database reader and the status the
/// scheduler last published, so neither a scrape nor a textfile write ever waits for a pass.
public final class MetricsExporter: @unchecked Sendable {
    private let settings: MetricsSettings
    private let store: JobStore
    private let published: PublishedStatus
    private let counters: ServiceCounters
    private let logger: Logger
    private let endpoint: MetricsEndpoint?
    private let startTime = Date()
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    private var lastTextfileError: String?

    /// Binds the endpoint now, so a taken port fails the start with a clear error.
    public init(settings: MetricsSettings, store: JobStore, published: PublishedStatus, counters: ServiceCounters,
                logger: Logger) throws {
        self.settings = settings
        self.store = store
        self.published = published
        self.counters = counters
        self.logger = logger
        endpoint = try settings.listen.map(MetricsEndpoint.init(address:))
    }

    /// Where the endpoint listens ("127.0.0.1:9464"), when it does.
    public var address: String? { endpoint?.address.description }

    /// The figures as they stand now, in the Prometheus text format.
    public func exposition() throws -> String {
        ServiceMetrics(figures: try store.queueFigures(), status: published.current, taken: counters.taken,
                       rejected: counters.rejected,
                       residentBytes: ResourceUsage.residentMegabytes(pid: getpid()).map { $0 * 1_048_576 },
                       startTime: startTime).render()
    }

    public func start() {
        let thread = Thread { [self] in
            run()
            exited.signal()
        }
        thread.name = "ptune metrics"
        thread.start()
        if let address { logger.info("metrics", metadata: ["listen": "http://\(address)/metrics"]) }
        if let textfile = settings.textfile { logger.info("metrics", metadata: ["textfile": "\(textfile)"]) }
    }

    /// Stops the thread after a last textfile write, waiting at most a few seconds.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        _ = exited.wait(timeout: .now() + .seconds(MetricsEndpoint.ioTimeoutSeconds + 3))
    }

    private func run() {
        var nextWrite = Date.distantPast
        while !stopping.load(ordering: .relaxed) {
            if settings.textfile != nil, Date() >= nextWrite {
                writeTextfile()
                nextWrite = Date().addingTimeInterval(settings.textfileSeconds)
            }
            let wait = min(250, max(0, Int(nextWrite.timeIntervalSinceNow * 1000)))
            guard let endpoint else {
                usleep(UInt32(max(wait, 10)) * 1000)
                continue
            }
            var poller = pollfd(fd: endpoint.fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, Int32(wait)) > 0 {
                endpoint.serveOne { Result { try exposition() } }
            }
        }
        if settings.textfile != nil { writeTextfile() }
    }

    private func writeTextfile() {
        guard let path = settings.textfile else { return }
        do {
            let text = Data(try exposition().utf8)
            // Readable by node_exporter's user whatever the service's umask.
            try AtomicFile.write(to: path) { sink in
                try sink.setMode(0o644)
                try sink.write(text)
            }
            if lastTextfileError != nil { logger.notice("metrics textfile written again", metadata: ["textfile": "\(path)"]) }
            lastTextfileError = nil
        } catch {
            // Logged once per run of failures, not every few seconds.
            let text = "\(error)"
            if text != lastTextfileError {
                logger.error("cannot write the metrics textfile", metadata: ["textfile": "\(path)", "error": "\(text)"])
            }
            lastTextfileError = text
        }
    }
}
