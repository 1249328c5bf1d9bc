import Base
import Foundation
import Testing

/// `ptune gc`: the retention policy applied by hand, and `--dry-run` changing nothing.
@Suite struct GCCommandTests {
    @Test func dryRunListsWhatWouldGoThenGCRemovesItAndTheHistoryStays() throws {
        let h = try ServiceHarness()
        let each = try RetentionLoadTests.fillSpool(h, jobs: 5)
        let config = try h.configFile("[retention]\nmax_gb = \(Double(each * 2) / 1_073_741_824)\n")
        let options = ["--spool", h.spool.path, "--config", config]

        let dry = try h.cli(["gc", "--dry-run"] + options)
        #expect(dry.status == 0, "\(dry.err)")
        #expect(dry.out.contains("would remove 3 folders"), "\(dry.out)")
        #expect(dry.out.contains("done/0000000000000000") && !dry.out.contains("done/0000000000000004"), "\(dry.out)")
        #expect(try FileSystem.entries(of: h.spool.path + "/done").count == 5)

        let run = try h.cli(["gc"] + options)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("removed 3 folders"), "\(run.out)")
        #expect(try FileSystem.entries(of: h.spool.path + "/done").sorted() == ["0000000000000003", "0000000000000004"])
        let history = try h.cli(["history", "--spool", h.spool.path, "--json"]).out
        #expect((try JSONSerialization.jsonObject(with: Data(history.utf8)) as? [Any])?.count == 5)

        let bad = try h.cli(["gc", "--spool", h.spool.path, "--config", h.root.appendingPathComponent("missing.toml").path])
        #expect(bad.status != 0 && bad.err.contains("missing.toml"), "\(bad.err)")
    }
}
