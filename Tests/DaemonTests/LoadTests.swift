import Foundation
import Glibc
import TestSupport
import Testing

/// Many bundles dropped at once, valid and invalid mixed, with `--max-jobs 2`: every one reaches
/// its end state, `ptune status` keeps answering quickly, and the daemon's memory stays bounded.
///
/// `PTUNE_LOAD_BUNDLES` (default 40; `make load` drops 1000).
@Suite(.serialized)
struct LoadTests {
    /// Every fourth bundle is broken, each in its own way; the reason must name the problem.
    static let broken: [(files: @Sendable (String) -> [String: String], expect: String)] = [
        ({ TestBundles.valid(name: $0).merging(["task.toml": "name = \"\($0)\nkind ="]) { $1 } }, "TOML"),
        ({ TestBundles.valid(name: $0).merging(["train.jsonl": "{\"text\": \"a\", \"label\": 7}\n"]) { $1 } }, "label"),
        ({ TestBundles.valid(name: $0).merging(["train.jsonl": "{\"txt\": \"a\", \"label\": 1}\n"]) { $1 } }, "text"),
        ({ TestBundles.valid(name: $0).merging(["task.toml": TestBundles.manifest(name: $0)
            .replacingOccurrences(of: "learning_rate = 0.01", with: "learning_rate = nan")]) { $1 } }, "learning_rate"),
    ]

    @Test func bundlesDroppedAtOnceAllEndWhileStatusStaysQuick() throws {
        let count = ProcessInfo.processInfo.environment["PTUNE_LOAD_BUNDLES"].flatMap(Int.init) ?? 40
        let h = try ServiceHarness()
        try h.start()
        let daemonPID = try #require(h.daemon?.processIdentifier)
        var expectations: [String: String?] = [:]
        let staged = h.spool.appendingPathComponent("tmp")
        for i in 0..<count {
            let name = String(format: "load-%04d", i)
            if i % 4 == 3 {
                let kind = Self.broken[(i / 4) % Self.broken.count]
                try h.write(kind.files(name), to: staged.appendingPathComponent(name))
                expectations[name] = kind.expect
            } else {
                try h.write(TestBundles.valid(name: name, steps: 2), to: staged.appendingPathComponent(name))
                expectations[name] = .some(nil)
            }
        }
        let dropped = Date()
        for name in expectations.keys.sorted() {
            rename(staged.appendingPathComponent(name).path, h.spool.appendingPathComponent("incoming/\(name)").path)
        }

        let probe = StatusProbe(h, daemonPID: daemonPID)
        let reading = Thread { probe.run() }
        reading.start()
        // Polled once a second from the status counts, so the waiting adds little load of its own.
        let deadline = Date().addingTimeInterval(3600)
        while Date() < deadline {
            let s = try h.cli(["status", "--spool", h.spool.path, "--json"])
            let counts = (try? JSONSerialization.jsonObject(with: Data(s.out.utf8)) as? [String: Any])?["counts"] as? [String: Int] ?? [:]
            if ["succeeded", "failed", "rejected"].reduce(0, { $0 + (counts[$1] ?? 0) }) == count { break }
            usleep(1_000_000)
        }
        let seconds = Date().timeIntervalSince(dropped)
        probe.stop()
        while !probe.finished { usleep(10_000) }

        let rows = try h.history()
        for (name, problem) in expectations {
            let state = rows.first { $0["name"] as? String == name }?["state"] as? String
            if let problem {
                #expect(state == "rejected", "\(name): \(state ?? "no row")")
                let reason = (try? String(contentsOf: h.spool.appendingPathComponent("rejected/\(name)/reason.txt"), encoding: .utf8)) ?? ""
                #expect(reason.contains(problem), "\(name): reason.txt does not name \(problem): \(reason.prefix(200))")
            } else {
                #expect(state == "succeeded", "\(name): \(state ?? "no row")")
            }
        }
        #expect(h.contents("incoming").isEmpty && h.contents("active") == ["claims"])
        let latencies = probe.latencies.sorted(), starts = probe.startLatencies.sorted()
        let p99 = Self.percentile99(latencies), startP99 = Self.percentile99(starts)
        print(String(format: "load: %d bundles ended in %.1f s; ptune status: %d calls, median %.0f ms, p99 %.0f ms, max %.0f ms; ptune --version p99 %.0f ms; daemon RSS max %.1f MB",
                     count, seconds, latencies.count, latencies[latencies.count / 2], p99, latencies.last ?? 0, startP99, probe.peakRSSMB))
        // Measured against a process that only starts (`ptune --version`, called in turn with status
        // under the same load): status must not wait on a job, a lock or a scan that grows with the
        // spool, whatever the machine's load does to starting a process.
        #expect(p99 < 2 * startP99 + 150, "ptune status p99 \(p99) ms against --version's \(startP99) ms")
        #expect(probe.failures == 0, "ptune status failed \(probe.failures) times")
        #expect(probe.peakRSSMB < 150, "daemon RSS reached \(probe.peakRSSMB) MB")
        #expect(try h.stop() == 0)
    }

    static func percentile99(_ sorted: [Double]) -> Double { sorted[min(sorted.count - 1, sorted.count * 99 / 100)] }
}

/// Calls `ptune status` and `ptune --version` in turn, timing each answer, and samples the daemon's
/// resident size.
final class StatusProbe: @unchecked Sendable {
    let h: ServiceHarness
    let daemonPID: Int32
    private let lock = NSLock()
    private var stopping = false
    private(set) var finished = false
    private(set) var latencies: [Double] = []
    /// The same for `ptune --version`: what starting a process costs at that moment.
    private(set) var startLatencies: [Double] = []
    private(set) var failures = 0
    private(set) var peakRSSMB: Double = 0

    init(_ h: ServiceHarness, daemonPID: Int32) {
        self.h = h
        self.daemonPID = daemonPID
    }

    func stop() { lock.withLock { stopping = true } }

    func run() {
        while !lock.withLock({ stopping }) {
            let started = Date()
            let ok = (try? h.cli(["status", "--spool", h.spool.path]).status) == 0
            let ms = Date().timeIntervalSince(started) * 1000
            let startedBare = Date()
            _ = try? h.cli(["--version"])
            let bareMs = Date().timeIntervalSince(startedBare) * 1000
            let rss = Self.residentMB(daemonPID)
            lock.withLock {
                latencies.append(ms)
                startLatencies.append(bareMs)
                if !ok { failures += 1 }
                peakRSSMB = max(peakRSSMB, rss)
            }
            usleep(50_000)
        }
        lock.withLock { finished = true }
    }

    static func residentMB(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
