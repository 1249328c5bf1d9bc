import Base
import Foundation
import Glibc
import Spool
import Store
import TestSupport
import Testing

/// A spool holding many finished jobs, pruned by the daemon to `retention.max_gb` while it goes on
/// supervising: a job's 3 s wall time is still enforced within 2 s, and `control/status.json`, which
/// the supervision loop rewrites every 2 s, never goes stale. Every job stays in the history.
///
/// `PTUNE_RETENTION_JOBS` (default 10,000).
@Suite(.serialized)
struct RetentionLoadTests {
    @Test func thousandsOfFinishedJobsArePrunedToSizeWithoutPausingSupervision() throws {
        let count = ProcessInfo.processInfo.environment["PTUNE_RETENTION_JOBS"].flatMap(Int.init) ?? 10_000
        let h = try ServiceHarness()
        let prepared = Date()
        let folderBytes = try Self.fillSpool(h, jobs: count)
        let target = folderBytes * Int64(count) / 10
        let config = try h.configFile("[retention]\nmax_gb = \(Double(target) / 1_073_741_824)\n")
        print(String(format: "retention load: %d finished jobs of %@ each written in %.1f s", count,
                     ByteCount(folderBytes).description, Date().timeIntervalSince(prepared)))

        try h.start(extra: ["--config", config])
        let started = Date()
        let watch = StatusWatch(h.spool.appendingPathComponent("control/status.json"))
        let watching = Thread { watch.run() }
        watching.start()
        defer { watch.stop() }
        try h.submit("slow", files: TestBundles.valid(name: "slow", steps: 1_000_000, limits: "wall_time = 3"))
        _ = try h.waitForJob("slow", in: ["running"], seconds: 60)
        let seenRunning = Date()
        #expect(try h.waitForJob("slow", in: ["timed_out", "failed", "succeeded"], seconds: 30)["state"] as? String == "timed_out")
        let enforcedAfter = Date().timeIntervalSince(seenRunning)
        let leftWhenEnforced = try FileSystem.entries(of: h.spool.path + "/done").count
        try h.wait(seconds: 600, "done/ pruned to max_gb") { try Self.resultBytes(h) <= target }
        let pruned = Date().timeIntervalSince(started)
        watch.stop()
        while !watch.finished { usleep(10_000) }

        let left = try FileSystem.entries(of: h.spool.path + "/done").count
        let listed = try h.cli(["history", "--spool", h.spool.path, "--json"]).out
        let rows = (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [Any])?.count ?? -1
        print(String(format: "retention load: pruned %d of %d folders to %@ in %.1f s after start; wall time enforced after %.2f s with %d folders left; "
                     + "status.json gaps max %.2f s over %d updates", count + 1 - left, count + 1, ByteCount(target).description,
                     pruned, enforcedAfter, leftWhenEnforced, watch.longestGap, watch.updates))
        #expect(enforcedAfter < 3 + 2, "the 3 s wall time was enforced after \(enforcedAfter) s while pruning")
        #expect(watch.longestGap < 4, "the supervision loop paused: status.json went \(watch.longestGap) s without an update")
        #expect(rows == count + 1, "history lists \(rows) jobs")
        #expect(left <= count / 10 + 1)
        #expect(try h.stop() == 0)
    }

    /// The bytes the folders in done/ take (not done/ itself, whose listing does not shrink); one
    /// removed while this counts counts nothing.
    static func resultBytes(_ h: ServiceHarness) throws -> Int64 {
        try FileSystem.entries(of: h.spool.path + "/done").reduce(0) {
            $0 + ((try? DirectoryTree.allocatedBytes(under: h.spool.path + "/done/" + $1)) ?? 0)
        }
    }

    /// Writes `jobs` succeeded jobs into the spool's database and their folders into done/ (a report
    /// and a prompt each, as a finished job leaves), none yet recorded for retention; returns one
    /// folder's size on disk.
    static func fillSpool(_ h: ServiceHarness, jobs: Int) throws -> Int64 {
        let layout = SpoolLayout(root: h.spool)
        try layout.create()
        let store = try JobStore(path: h.spool.appendingPathComponent("ptune.sqlite").path)
        let report = Data(repeating: UInt8(ascii: "r"), count: 3000)
        let prompt = Data(repeating: 7, count: 1000)
        let now = Date()
        for i in 0..<jobs {
            let sha = String(format: "%016x", i) + String(repeating: "0", count: 48)
            let id = String(sha.prefix(16))
            let ended = now.addingTimeInterval(Double(i - jobs))
            try store.insertJob(JobRecord(id: id, bundleSHA256: sha, name: "old-\(i)", spoolName: "old-\(i)", state: .succeeded,
                                          priority: 0, threads: 1, memoryMB: 100, wallTimeSeconds: 60, submittedAt: ended,
                                          startedAt: ended, finishedAt: ended), durable: false)
            let folder = layout.done.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            try report.write(to: folder.appendingPathComponent("report.md"))
            try prompt.write(to: folder.appendingPathComponent("prompt.safetensors"))
        }
        return try DirectoryTree.allocatedBytes(under: layout.done.appendingPathComponent(String(format: "%016x", 0)).path)
    }
}

/// Reads `control/status.json` every 100 ms and keeps the longest time between two of its updates.
final class StatusWatch: @unchecked Sendable {
    let file: URL
    private let lock = NSLock()
    private var stopping = false
    private(set) var finished = false
    private(set) var longestGap: Double = 0
    private(set) var updates = 0

    init(_ file: URL) { self.file = file }

    func stop() { lock.withLock { stopping = true } }

    func run() {
        var last: Date?
        while !lock.withLock({ stopping }) {
            if let modified = try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date,
               modified != last {
                lock.withLock {
                    if let last { longestGap = max(longestGap, modified.timeIntervalSince(last)) }
                    updates += 1
                }
                last = modified
            }
            usleep(100_000)
        }
        lock.withLock { finished = true }
    }
}
