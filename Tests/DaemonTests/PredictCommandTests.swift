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
        #expect(both.status != 0 && both.err.contains("one of --prompt"), "\(both.err)")
        let neither = try h.cli(["eval"] + common)
        #expect(neither.status != 0 && neither.err.contains("--prompt"), "\(neither.err)")
    }

    /// Three tasks' jobs, one table: each task's prompt from the table predicts as its job's does.
    @Test func aPromptTableServesEachTaskAsItsJob() throws {
        let h = try ServiceHarness()
        try h.start()
        // Different training records give each task its own prompt.
        for (name, records) in [("ta", 6), ("tb", 10), ("tc", 14)] {
            var files = TestBundles.valid(name: name, steps: 8)
            files["train.jsonl"] = TestBundles.data(records)
            try h.submit(name, files: files)
        }
        var ids: [String: String] = [:]
        for name in ["ta", "tb", "tc"] {
            let row = try h.waitForJob(name, in: ["succeeded", "failed"])
            #expect(row["state"] as? String == "succeeded")
            ids[name] = row["id"] as? String
        }
        #expect(try h.stop() == 0)
        let table = h.root.appendingPathComponent("tiny-prompts.safetensors").path
        let export = try h.cli(["export", "--table", table, "--spool", h.spool.path])
        #expect(export.status == 0 && export.out.contains("3 tasks for tiny"), "\(export.out) \(export.err)")
        let input = h.root.appendingPathComponent("records.jsonl")
        try Data(TestBundles.data(6).utf8).write(to: input)
        let common = ["--input", input.path, "--model", h.models.appendingPathComponent("tiny").path, "--json"]
        var outputs = Set<String>()
        for name in ["ta", "tb", "tc"] {
            let fromTable = try h.cli(["predict", "--table", table, "--task", name] + common)
            let fromJob = try h.cli(["predict", "--job", ids[name] ?? "", "--spool", h.spool.path] + common)
            #expect(fromTable.status == 0 && !fromTable.out.isEmpty && fromTable.out == fromJob.out, "\(fromTable.err)")
            outputs.insert(fromTable.out)
        }
        #expect(outputs.count == 3)
        let unknown = try h.cli(["predict", "--table", table, "--task", "td"] + common)
        #expect(unknown.status != 0 && unknown.err.contains("ta, tb, tc"), "\(unknown.err)")
        let peft = try h.cli(["export", "--table", table, "--format", "peft", "--spool", h.spool.path])
        #expect(peft.status != 0 && peft.err.contains("--format"), "\(peft.err)")
        let otherModel = try h.cli(["export", "--table", table, "--model", "other", "--spool", h.spool.path])
        #expect(otherModel.status != 0 && otherModel.err.contains("trained against other"), "\(otherModel.err)")
    }
}
