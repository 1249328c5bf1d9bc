import Base
import Foundation
import TestSupport
import Testing

/// A bundle with `[search]` through the daemon: one job runs every trial and leaves the search's
/// table beside the winner's outputs in done/.
@Suite struct SearchJobTests {
    @Test func aSearchRunsAsOneJobAndKeepsItsTrials() throws {
        let h = try ServiceHarness()
        try h.start()
        var files = TestBundles.valid(name: "sj", steps: 4)
        files["task.toml"]! += "\n[search]\n[search.space]\nlearning_rate = [0.003, 0.03]\nseeds = [13, 21]\n"
        try h.submit("sj", files: files)
        let row = try h.waitForJob("sj", in: ["succeeded", "failed", "rejected"])
        #expect(try h.stop() == 0)
        #expect(row["state"] as? String == "succeeded", "\(row)")
        let id = try #require(row["id"] as? String)
        let done = h.spool.appendingPathComponent("done/\(id)")
        let search = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: done.appendingPathComponent("search.json"))) as? [String: Any])
        #expect((search["trials"] as? [Any])?.count == 4 && search["winner"] is Int)
        #expect(FileManager.default.fileExists(atPath: done.appendingPathComponent("prompt.safetensors").path))
        #expect(!FileManager.default.fileExists(atPath: done.appendingPathComponent("checkpoints").path))
    }
}
