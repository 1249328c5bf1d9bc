import Base
import Foundation
import Glibc
import TestSupport
import Testing

/// `[metrics]` through the real binary: a scrape parses with Prometheus's own parser and says what
/// `ptune status --json` says at the same moment; the textfile is replaced atomically.
@Suite(.serialized, .enabled(if: PrometheusParser.available, "needs python3-prometheus-client (make test installs it)"))
struct MetricsServiceTests {
    /// A daemon with the endpoint on a free port and a textfile rewritten every `textfileSeconds`.
    private func startDaemon(textfileSeconds: Double = 5) throws -> (ServiceHarness, textfile: String) {
        let h = try ServiceHarness()
        let textfile = h.root.appendingPathComponent("prom/ptune.prom").path
        try FileManager.default.createDirectory(atPath: h.root.appendingPathComponent("prom").path, withIntermediateDirectories: true)
        let config = try h.configFile("[metrics]\nlisten = \"127.0.0.1:0\"\ntextfile = \"\(textfile)\"\ntextfile_seconds = \(textfileSeconds)\n")
        try h.start(extra: ["--config", config])
        return (h, textfile)
    }

    private func status(_ h: ServiceHarness) throws -> [String: Any] {
        let r = try h.cli(["status", "--spool", h.spool.path, "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    @Test func aScrapeParsesAndAgreesWithStatus() throws {
        let (h, _) = try startDaemon()
        try h.submit("good", files: TestBundles.valid(name: "good"))
        try h.submit("bad", files: ["train.jsonl": TestBundles.data(4)])
        try h.submit("long", files: TestBundles.valid(name: "long", steps: 1_000_000))
        try h.waitForJob("good", in: ["succeeded"])
        try h.wait(seconds: 30, "bad rejected") { h.contents("rejected").contains("bad") }
        try h.wait(seconds: 60, "long running with progress") {
            let workers = ((try status(h)["daemon"] as? [String: Any])?["workers"] as? [[String: Any]]) ?? []
            return (workers.first?["step"] as? Int ?? 0) > 0
        }
        let twoThreads = TestBundles.manifest(name: "waiting").replacingOccurrences(of: "threads = 1", with: "threads = 2")
        try h.submit("waiting", files: TestBundles.valid(name: "waiting").merging(["task.toml": twoThreads]) { $1 })
        try h.waitForJob("waiting", in: ["queued"])

        // The scrape between two status reads that saw the same publication is of that moment.
        var before: [String: Any] = [:], samples: [PrometheusParser.Sample] = []
        try h.wait(seconds: 30, "a scrape between two equal status publications") {
            before = try status(h)
            let address = try #require((before["daemon"] as? [String: Any])?["metrics_address"] as? String)
            samples = try PrometheusParser.scrape("http://\(address)/metrics")
            let after = try status(h)
            return (before["daemon"] as? [String: Any])?["updated_at"] as? String
                == (after["daemon"] as? [String: Any])?["updated_at"] as? String
                && before["counts"] as? [String: Int] == after["counts"] as? [String: Int]
        }
        let counts = try #require(before["counts"] as? [String: Int])
        let owner = JobOwner.name(Int(getuid()))
        for state in ["queued", "running"] {
            #expect(samples.sum("ptune_jobs", where: ["state": state]) == Double(counts[state] ?? -1), "\(state)")
            #expect(samples.value("ptune_jobs", ["state": state, "owner": owner]) == Double(counts[state] ?? -1))
        }
        for state in ["succeeded", "failed", "timed_out", "memory_exceeded", "cancelled", "rejected"] {
            #expect(samples.value("ptune_jobs_ended_total", ["state": state]) == Double(counts[state] ?? -1), "\(state)")
        }
        #expect(counts["succeeded"] == 1 && counts["rejected"] == 1 && counts["running"] == 1 && counts["queued"] == 1)
        #expect(samples.value("ptune_bundles_taken_total") == 4)
        #expect(samples.value("ptune_bundles_rejected_total", ["reason": "invalid"]) == 1)
        #expect(samples.value("ptune_job_queue_wait_seconds_count") == 2)
        #expect(samples.value("ptune_job_run_seconds_count") == 1)

        let daemon = try #require(before["daemon"] as? [String: Any])
        let worker = try #require((daemon["workers"] as? [[String: Any]])?.first)
        let job = ["job": worker["job_id"] as? String ?? "?", "name": "long"]
        #expect(samples.value("ptune_cores_budget") == Double(daemon["cores"] as? Int ?? -1))
        #expect(samples.value("ptune_cores_requested") == 1)
        #expect(samples.value("ptune_cores_free") == 1)
        #expect(samples.value("ptune_memory_budget_bytes") == Double((daemon["memory_mb"] as? Int ?? -1) * 1_048_576))
        #expect(samples.value("ptune_workers") == 1)
        #expect(samples.value("ptune_job_step", job) == Double(worker["step"] as? Int ?? -1))
        #expect(samples.value("ptune_job_planned_steps", job) == Double(worker["total"] as? Int ?? -1))
        // Foundation's JSON reader may differ from the exact value in the 17th digit.
        let loss = try #require(worker["loss"] as? Double)
        #expect(abs((samples.value("ptune_job_loss", job) ?? .nan) - loss) <= 1e-12 * max(1, abs(loss)))
        #expect((samples.value("ptune_job_tokens_per_second", job) ?? 0) > 0)
        #expect((samples.value("process_resident_memory_bytes") ?? 0) > 1_000_000)

        #expect(try h.cli(["cancel", "--spool", h.spool.path, job["job"]!]).status == 0)
        try h.waitForJob("long", in: ["cancelled"])
        #expect(try h.stop() == 0)
    }

    @Test func theTextfileIsReplacedWholeUnderAReaderInALoop() throws {
        let (h, textfile) = try startDaemon(textfileSeconds: 0.05)
        try h.submit("good", files: TestBundles.valid(name: "good", steps: 200))
        var reads = 0, versions = Set<String>(), last = ""
        let deadline = Date().addingTimeInterval(4)
        while Date() < deadline {
            guard let text = try? String(contentsOfFile: textfile, encoding: .utf8) else { continue }
            reads += 1
            versions.insert(text)
            last = text
            let whole = text.hasPrefix("# HELP ptune_jobs ") && text.hasSuffix("\n")
                && text.split(separator: "\n").last?.hasPrefix("process_start_time_seconds ") == true
            #expect(whole, "read \(reads) saw a partial file of \(text.utf8.count) bytes")
            if !whole { break }
        }
        #expect(reads > 100 && versions.count > 5, "\(reads) reads, \(versions.count) versions")
        #expect(try !PrometheusParser.parse(last).isEmpty)
        let mode = try #require(try FileSystem.status(textfile)).st_mode & 0o777
        #expect(mode == 0o644)
        #expect(try h.stop() == 0)
    }
}
