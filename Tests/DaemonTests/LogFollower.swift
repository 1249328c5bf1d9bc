import Foundation
import Glibc
import Store

/// `ptune logs --follow --json JOB` running beside a watcher of the database: for each line, when
/// the daemon recorded it (seen by polling the store every 20 ms) and when the command printed it.
final class LogFollower: @unchecked Sendable {
    struct Received {
        var id: Int64
        var attempt: Int
        var text: String
        var printedAt: Date
    }

    private let process = Process()
    private let lock = NSLock()
    private var received: [Received] = []
    private var recordedAt: [Int64: Date] = [:]
    private var trailing: [String] = []
    private var watching = true
    private let done = DispatchSemaphore(value: 0)
    private let watched = DispatchSemaphore(value: 0)

    init(_ h: ServiceHarness, job: String) throws {
        process.executableURL = URL(fileURLWithPath: ServiceHarness.binary)
        process.arguments = ["logs", "--spool", h.spool.path, "--follow", "--json", job]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let store = try JobStore(path: h.spool.appendingPathComponent("ptune.sqlite").path, readOnly: true)
        let full = try store.job(id: job)?.id ?? job
        try process.run()
        Thread.detachNewThread { [self] in read(out.fileHandleForReading) }
        Thread.detachNewThread { [self] in watch(store, full) }
    }

    private func read(_ handle: FileHandle) {
        var buffer = Data()
        while case let chunk = handle.availableData, !chunk.isEmpty {
            let now = Date()
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = Data(buffer[buffer.startIndex..<newline])
                buffer = Data(buffer[buffer.index(after: newline)...])
                let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any]
                lock.withLock {
                    if let object, let id = object["id"] as? Int {
                        received.append(Received(id: Int64(id), attempt: object["attempt"] as? Int ?? 0,
                                                 text: object["text"] as? String ?? "", printedAt: now))
                    } else {
                        trailing.append(String(decoding: line, as: UTF8.self))
                    }
                }
            }
        }
        done.signal()
    }

    /// Notes when each line appears in the store, every 20 ms, and once more after `waitForEnd` stops
    /// it (the command may print its last lines within the last 20 ms), retrying that last read until
    /// the store answers.
    private func watch(_ store: JobStore, _ job: String) {
        var last: Int64?
        while true {
            let stopping = lock.withLock { !watching }
            var lines = try? store.logLines(jobID: job, afterID: last)
            for _ in 0..<100 where stopping && lines == nil {
                usleep(20_000)
                lines = try? store.logLines(jobID: job, afterID: last)
            }
            let now = Date()
            lock.withLock { for line in lines ?? [] { recordedAt[line.id!] = now } }
            last = lines?.last?.id ?? last
            if stopping { break }
            usleep(20_000)
        }
        watched.signal()
    }

    /// The lines printed so far.
    var lines: [Received] { lock.withLock { received } }

    /// For every line printed, how long after the daemon recorded it (seconds).
    var delays: [Double] {
        lock.withLock { received.compactMap { r in recordedAt[r.id].map { r.printedAt.timeIntervalSince($0) } } }
    }

    /// Waits for the command to end by itself; returns its status and what it printed after the lines.
    func waitForEnd(seconds: Double) -> (status: Int32?, trailing: [String]) {
        let ended = done.wait(timeout: .now() + seconds) == .success
        if !ended { process.terminate() }
        process.waitUntilExit()
        lock.withLock { watching = false }
        watched.wait()
        return (ended ? process.terminationStatus : nil, lock.withLock { trailing })
    }
}
