import Base
import Foundation
import TestSupport
import Testing

/// Prediction bundles (`kind = "predict"`) through the daemon: a trained job's prompt named by
/// `NAME@latest` answers every record once, as `ptune predict` does.
@Suite struct PredictionJobTests {
    static func manifest(name: String, prompt: String) -> String {
        """
        name = "\(name)"
        kind = "predict"

        [prompt]
        \(prompt)

        [predict]
        batch_size = 4

        [limits]
        threads = 1
        """
    }

    @Test func aPredictionJobAnswersEveryRecordWithItsTrainedPrompt() throws {
        let h = try ServiceHarness()
        try h.start()
        try h.submit("pj", files: TestBundles.valid(name: "pj", steps: 12))
        let trained = try h.waitForJob("pj", in: ["succeeded", "failed"])
        #expect(trained["state"] as? String == "succeeded")
        try h.submit("scores", files: ["task.toml": Self.manifest(name: "scores", prompt: "job = \"pj@latest\""),
                                       "input.jsonl": TestBundles.data(30)])
        let row = try h.waitForJob("scores", in: ["succeeded", "failed"])
        #expect(try h.stop() == 0)
        #expect(row["state"] as? String == "succeeded", "\(row)")
        let id = try #require(row["id"] as? String)
        let done = h.spool.appendingPathComponent("done/\(id)")
        let lines = try String(contentsOf: done.appendingPathComponent("predictions.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(lines.count == 30)

        let input = try h.write(["input.jsonl": TestBundles.data(30)], to: h.root.appendingPathComponent("cli"))
        let cli = try h.cli(["predict", "--job", trained["id"] as? String ?? "", "--spool", h.spool.path, "--json",
                             "--batch-size", "4", "--input", input.appendingPathComponent("input.jsonl").path,
                             "--model", h.models.appendingPathComponent("tiny").path])
        #expect(cli.status == 0, "\(cli.err)")
        #expect(cli.out.split(separator: "\n").map(String.init) == lines, "the job answers as ptune predict does")

        let report = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: done.appendingPathComponent("report.json"))) as? [String: Any])
        #expect(report["kind"] as? String == "predict")
        #expect((report["data"] as? [String: Any])?["records"] as? Int == 30)
        #expect((report["metrics"] as? [String: Any]) != nil, "labelled records are measured")
        #expect((report["prompt"] as? [String: Any])?["source"] as? String == "job pj@latest")
        let events = try h.cli(["show", id, "--spool", h.spool.path])
        #expect(events.out.contains("the prompt of job \(trained["id"] as? String ?? "")"), "\(events.out)")
    }

    @Test func aPredictionBundleWithoutAUsablePromptIsRejectedWithItsReason() throws {
        let h = try ServiceHarness()
        try h.start()
        let cases = [("lost", "job = \"nosuch@latest\"", "no succeeded training job named \"nosuch\""),
                     ("twice", "job = \"a@latest\"\nfile = \"prompt.safetensors\"", "names 2 prompts"),
                     ("missing", "file = \"prompt.safetensors\"", "prompt.safetensors")]
        for (name, prompt, _) in cases {
            try h.submit(name, files: ["task.toml": Self.manifest(name: name, prompt: prompt),
                                       "input.jsonl": TestBundles.data(3)])
        }
        try h.wait(seconds: 60, "every bundle rejected") { h.contents("rejected").count >= cases.count }
        #expect(try h.stop() == 0)
        for (name, _, reason) in cases {
            let text = try String(contentsOf: h.spool.appendingPathComponent("rejected/\(name)/reason.txt"), encoding: .utf8)
            #expect(text.contains(reason), "\(name): \(text)")
        }
    }
}
