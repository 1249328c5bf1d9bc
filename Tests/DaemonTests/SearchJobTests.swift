import Base
import Foundation
import TestSupport
import Testing

/// A bundle with `[search]` through the daemon: its job plans, each trial runs as a child job of its
/// own through the scheduler, and the search's job ends with the winner's outputs and the table of
/// its trials, which stay in done/JOB/trials/.
@Suite struct SearchJobTests {
    static func bundle(_ name: String, steps: Int = 4, search: String) -> [String: String] {
        var files = TestBundles.valid(name: name, steps: steps)
        files["task.toml"]! += "\n" + search
        return files
    }

    static let grid = "[search]\n[search.space]\nlearning_rate = [0.003, 0.03]\nseeds = [13, 21]\n"

    private func show(_ h: ServiceHarness, _ id: String) throws -> [String: Any] {
        let r = try h.cli(["show", "--spool", h.spool.path, id, "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    @Test func everyTrialIsAJobOfItsOwnAndTheSearchExportsTheWinner() throws {
        let h = try ServiceHarness()
        try h.start()
        try h.submit("sj", files: Self.bundle("sj", search: Self.grid))
        let row = try h.waitForJob("sj", in: ["succeeded", "failed", "rejected"])
        #expect(row["state"] as? String == "succeeded", "\(row)")
        let id = try #require(row["id"] as? String)
        let trials = try SpoolInvariants.checkTrials(h, search: id, context: "grid")
        #expect(trials.count == 4 && trials.allSatisfy { $0["state"] as? String == "succeeded" && $0["attempts"] as? Int == 1 })
        let detail = try show(h, id)
        #expect((detail["trials"] as? [Any])?.count == 4)
        let attempts = (detail["attempts"] as? [[String: Any]])?.compactMap { $0["reason"] as? String } ?? []
        #expect(attempts == ["asked for 4 trials"], "one attempt planned, the last exported: \(attempts)")
        let text = try h.cli(["show", "--spool", h.spool.path, id]).out
        #expect(text.contains("trials") && text.contains("trial-1-") && text.contains("trial-4-"))
        #expect(text.contains("progress  trials 4/4, "), "the search's progress sums its trials'")
        let history = try h.cli(["history", "--spool", h.spool.path]).out
        #expect(history.split(separator: "\n").contains { $0.hasPrefix(id) && $0.contains("trials 4/4") }, "\(history)")
        let done = h.spool.appendingPathComponent("done/\(id)")
        let search = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: done.appendingPathComponent("search.json"))) as? [String: Any])
        let winner = try #require(search["winner"] as? Int)
        let winnerRow = try #require((search["trials"] as? [[String: Any]])?.first { $0["index"] as? Int == winner })
        let winnerFolder = done.appendingPathComponent(try #require(winnerRow["folder"] as? String))
        #expect(try Data(contentsOf: done.appendingPathComponent("prompt.safetensors"))
                == Data(contentsOf: winnerFolder.appendingPathComponent("prompt.safetensors")), "the winner's prompt is the search's")
        let table = h.root.appendingPathComponent("table.safetensors").path
        let export = try h.cli(["export", "--table", table, "--spool", h.spool.path])
        #expect(export.status == 0, "a table takes the search's prompt, not its trials': \(export.err)")
        #expect(try h.stop() == 0)
        try SpoolInvariants.check(h, names: ["sj"], context: "grid")
    }

    @Test func halvingAsksForEachRungOnceTheLastHasEnded() throws {
        let h = try ServiceHarness()
        try h.start()
        try h.submit("sh", files: Self.bundle("sh", search: "[search]\nstrategy = \"halving\"\ntrials = 4\nreduction = 2\nseed = 3\n"
            + "[search.space]\nlearning_rate = { min = 1e-3, max = 1e-1 }\n"))
        let row = try h.waitForJob("sh", in: ["succeeded", "failed", "rejected"])
        #expect(row["state"] as? String == "succeeded", "\(row)")
        let id = try #require(row["id"] as? String)
        let trials = try SpoolInvariants.checkTrials(h, search: id, context: "halving")
        // Rungs of 4 trials of 1 step, 2 of 2 and 1 of 4: each rung's trials are asked for after the
        // last rung's have ended.
        #expect(trials.count == 7, "\(trials.map { $0["trial_key"] ?? "?" })")
        let attempts = (try show(h, id)["attempts"] as? [[String: Any]])?.compactMap { $0["reason"] as? String } ?? []
        #expect(attempts == ["asked for 4 trials", "asked for 2 trials", "asked for 1 trial"], "\(attempts)")
        #expect(try h.stop() == 0)
    }

    @Test func cancellingASearchCancelsItsTrialsFirst() throws {
        let h = try ServiceHarness()
        try h.start()
        try h.submit("sc", files: Self.bundle("sc", steps: 100_000, search: Self.grid))
        let queued = try h.waitForJob("sc", in: ["queued"])
        let id = try #require(queued["id"] as? String)
        try h.wait(seconds: 60, "a trial running") {
            try h.history().contains { $0["parent_id"] as? String == id && $0["state"] as? String == "running" }
        }
        try h.wait(seconds: 10, "the search saying what it waits for") {
            try h.job(named: "sc")?["reason"] as? String == "waiting for its trials: 0 of 4 ended"
        }
        #expect(try h.cli(["cancel", "--spool", h.spool.path, id]).status == 0)
        let row = try h.waitForJob("sc", in: ["cancelled", "succeeded", "failed"], seconds: 60)
        #expect(row["state"] as? String == "cancelled", "\(row)")
        let trials = try h.history().filter { $0["parent_id"] as? String == id }
        #expect(trials.count == 4 && trials.allSatisfy { $0["state"] as? String == "cancelled" }, "\(trials.map { $0["state"] ?? "?" })")
        #expect(h.contents("failed") == [id] && h.contents("active") == ["claims"])
        #expect(Set(h.contents("failed/\(id)/trials")).count == 4, "the trials' folders stay with the search's")
        #expect(try h.stop() == 0)
    }
}
