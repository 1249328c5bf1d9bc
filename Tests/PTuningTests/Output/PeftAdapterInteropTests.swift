import Foundation
import TestSupport
import Testing

/// The PEFT adapter `ptune train` writes, used from PyTorch: transformers on the same GGUF with
/// PEFT's P-tuning gives `ptune predict`'s labels and probabilities (scripts/interop/peft-roundtrip.py),
/// and zeroing the adapter's prompt moves them (it is not silently ignored).
@Suite(.enabled(if: TestEnvironment.interopPython != nil, "needs the interop Python environment (make interop)"),
       .enabled(if: TestEnvironment.smolLM2 != nil, "needs the cached SmolLM2 model (make model)"),
       .enabled(if: TestEnvironment.shared != nil, "needs ../shared/data beside the package"))
struct PeftAdapterInteropTests {
    /// SST-2 rows of six words or more from `file`, as JSON lines.
    static func records(_ file: String, count: Int) throws -> String {
        let path = try #require(TestEnvironment.shared).appendingPathComponent("data/sst2/" + file).path
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
            .filter { $0.count == 2 && $0[0].split(separator: " ").count >= 6 }
        let lines = try rows.prefix(count).map { row -> String in
            let object = ["sentence": row[0].trimmingCharacters(in: .whitespaces), "label": String(row[1])]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func peftOnTheSameGGUFPredictsAsPtune() throws {
        let (python, model) = (try #require(TestEnvironment.interopPython), try #require(TestEnvironment.smolLM2))
        let root = TestEnvironment.temporaryDirectory("peft-interop")
        let bundle = root.appendingPathComponent("bundle")
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        try """
        name = "interop"
        model = "\((model as NSString).lastPathComponent)"
        kind = "classify"
        template = "[P*4]{sentence} It was {target}"

        [labels]
        "1" = "great"
        "0" = "terrible"

        [training]
        max_steps = 30
        seeds = [13]
        """.write(to: bundle.appendingPathComponent("task.toml"), atomically: true, encoding: .utf8)
        try Self.records("train.tsv", count: 64).write(to: bundle.appendingPathComponent("train.jsonl"),
                                                      atomically: true, encoding: .utf8)
        let input = root.appendingPathComponent("records.jsonl")
        try Self.records("test.tsv", count: 40).write(to: input, atomically: true, encoding: .utf8)
        let run = root.appendingPathComponent("run").path
        let ptune = TestEnvironment.ptuneBinary
        let train = try TestEnvironment.capture(ptune, ["train", bundle.path, "--out", run, "--threads", "2"])
        try #require(train.status == 0, "\(train.output)")
        let predict = try TestEnvironment.capture(ptune, ["predict", "--prompt", run, "--input", input.path, "--json",
                                                          "--model", model])
        try #require(predict.status == 0, "\(predict.output)")
        let predictions = root.appendingPathComponent("predictions.jsonl")
        let lines = predict.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        try (lines.joined(separator: "\n") + "\n").write(to: predictions, atomically: true, encoding: .utf8)

        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/interop/peft-roundtrip.py").path
        let check = try TestEnvironment.capture(python, [script, model, run, input.path, predictions.path])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("\"records\": 40, \"equal\": 40"), "\(check.output)")
    }
}
