import Base
import Foundation
import TestSupport
import Testing

/// `ptune predict --job` and `ptune eval --job`: a job's prompt read from the database gives what the
/// same prompt gives from the job's done/ folder.
@Suite struct PredictCommandTests {
    @Test func aJobsPromptFromTheDatabasePredictsAsItsFileDoes() throws {
        let h = try ServiceHarness()
        try h.start()
        try h.submit("pj", files: TestBundles.valid(name: "pj", steps: 12))
        let row = try h.waitForJob("pj", in: ["succeeded", "failed"])
        #expect(try h.stop() == 0)
        #expect(row["state"] as? String == "succeeded")
        let id = try #require(row["id"] as? String)
        let input = h.root.appendingPathComponent("records.jsonl")
        try Data(TestBundles.data(10).utf8).write(to: input)
        let common = ["--input", input.path, "--model", h.models.appendingPathComponent("tiny").path, "--json"]
        let folder = h.spool.appendingPathComponent("done/\(id)").path

        for command in ["predict", "eval"] {
            let fromFile = try h.cli([command, "--prompt", folder] + common)
            let fromJob = try h.cli([command, "--job", String(id.prefix(10)), "--spool", h.spool.path] + common)
            #expect(fromFile.status == 0 && fromJob.status == 0, "\(fromFile.err) \(fromJob.err)")
            #expect(!fromJob.out.isEmpty && fromJob.out == fromFile.out)
        }
        let predictions = try h.cli(["predict", "--job", id, "--spool", h.spool.path] + common).out
        #expect(predictions.split(separator: "\n").count == 10)

        let unknown = try h.cli(["predict", "--job", "ffffffff", "--spool", h.spool.path] + common)
        #expect(unknown.status != 0 && unknown.err.contains("no job ffffffff"), "\(unknown.err)")
        let both = try h.cli(["predict", "--job", id, "--prompt", folder, "--spool", h.spool.path] + common)
        #expect(both.status != 0 && both.err.contains("one of the two"), "\(both.err)")
        let neither = try h.cli(["eval"] + common)
        #expect(neither.status != 0 && neither.err.contains("--prompt"), "\(neither.err)")
    }
}
