import Foundation
import Glibc
import TestSupport
import Testing

/// A chain of jobs from bundles dropped together, through the real binary: a training job, a
/// prediction with its prompt once it succeeds, and a second prediction after that one, each
/// started only when the one before it succeeded, and each end told to whoever asked.
@Suite struct DependencyChainTests {
    static func prediction(name: String, after: String, notify: String) -> String {
        """
        name = "\(name)"
        kind = "predict"
        after = ["\(after)"]

        [prompt]
        job = "c-train@latest"

        [notify]
        \(notify)

        [limits]
        threads = 1
        """
    }

    @Test(.timeLimit(.minutes(8)))
    func trainThenPredictThenNotifyFromThreeBundlesDroppedAtOnce() throws {
        let h = try ServiceHarness()
        let receivers = try NotifyReceivers(root: h.root)
        defer { receivers.stop() }
        let bundleLog = receivers.folder.appendingPathComponent("bundle.log")
        let tell = receivers.folder.appendingPathComponent("tell.sh")
        try Data("#!/bin/sh\necho \"$PTUNE_JOB_NAME $PTUNE_JOB_STATE\" >> \(bundleLog.path)\n".utf8).write(to: tell)
        chmod(tell.path, 0o755)
        let prefix = receivers.url.replacingOccurrences(of: "/ptune", with: "/")
        let config = try h.configFile("""
            [notify]
            command = ["\(receivers.script.path)"]
            bundle_url_prefixes = ["\(prefix)"]

            [notify.bundle_commands]
            tell = ["\(tell.path)"]
            """)
        try h.start(extra: ["--config", config])

        // The last link first: each is dropped before the job it names exists.
        try h.submit("a-test", files: ["task.toml": Self.prediction(name: "a-test", after: "b-predict",
                                                                    notify: "command = \"tell\"\nstates = [\"succeeded\"]"),
                                       "input.jsonl": TestBundles.data(8)])
        try h.submit("b-predict", files: ["task.toml": Self.prediction(name: "b-predict", after: "c-train",
                                                                       notify: "url = \"\(receivers.url)\""),
                                          "input.jsonl": TestBundles.data(20)])
        try h.submit("c-train", files: TestBundles.valid(name: "c-train", steps: 12))

        var waitingSeen: [String] = []
        try h.wait(seconds: 60, "a job waiting for another in ptune status") {
            let status = try h.cli(["status", "--spool", h.spool.path, "--json"])
            let queued = (try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])?["queued"] as? [[String: Any]]
            waitingSeen = (queued ?? []).compactMap { $0["reason"] as? String }.filter { $0.hasPrefix("waiting for job") }
            return !waitingSeen.isEmpty
        }
        let last = try h.waitForJob("a-test", in: ["succeeded", "failed", "cancelled"], seconds: 360)
        try h.wait(seconds: 30, "every notification") {
            let got = receivers.received()
            return got.command.count >= 3 && got.http.count >= 1
                && ((try? String(contentsOf: bundleLog, encoding: .utf8)) ?? "").contains("a-test")
        }
        sleep(2)
        #expect(try h.stop() == 0)

        #expect(last["state"] as? String == "succeeded", "\(last)")
        let rows = try ["c-train", "b-predict", "a-test"].map { try #require(try h.job(named: $0)) }
        let ids = rows.map { $0["id"] as? String ?? "?" }
        for row in rows { #expect(row["state"] as? String == "succeeded", "\(row)") }
        let plain = ISO8601DateFormatter(), fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func time(_ row: [String: Any], _ key: String) -> Date? {
            (row[key] as? String).flatMap { fractional.date(from: $0) ?? plain.date(from: $0) }
        }
        for (before, after) in [(rows[0], rows[1]), (rows[1], rows[2])] {
            let ended = try #require(time(before, "finished_at")), started = try #require(time(after, "started_at"))
            #expect(started >= ended, "\(after["name"] ?? "?") started before \(before["name"] ?? "?") ended")
        }
        #expect(waitingSeen.contains { $0.contains("(c-train) to succeed") || $0.contains("(b-predict) to succeed") },
                "\(waitingSeen)")

        let got = receivers.received()
        #expect(got.command.sorted() == ids.map { "\($0) succeeded" }.sorted(), "the daemon's command, once per job")
        #expect(got.http == ["\(ids[1]) succeeded"], "b-predict's own URL")
        #expect(try String(contentsOf: bundleLog, encoding: .utf8) == "a-test succeeded\n", "a-test's own command")

        for (row, count) in [(rows[1], 20), (rows[2], 8)] {
            let done = h.spool.appendingPathComponent("done/\(row["id"] as? String ?? "?")/predictions.jsonl")
            #expect(try String(contentsOf: done, encoding: .utf8).split(separator: "\n").count == count)
        }
        let predict = try h.cli(["show", ids[1], "--spool", h.spool.path])
        #expect(predict.out.contains("the prompt of job \(ids[0]) (c-train)"), "handed over at its start: \(predict.out)")
        let shown = try h.cli(["show", ids[2], "--spool", h.spool.path])
        #expect(shown.out.contains("waits until job \(ids[1]) (b-predict) succeeds"), "\(shown.out)")
        #expect(shown.out.contains("waits until job \(ids[0]) (c-train) succeeds; its prompt answers the records"), "\(shown.out)")
    }
}
