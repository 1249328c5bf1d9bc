import Foundation
import TestSupport
import Testing

/// A trained prompt used outside ptune, on the same GGUF: transformers with the PEFT adapter `ptune
/// train` writes gives `ptune predict`'s answers and probabilities, and zeroing the adapter's prompt
/// moves them (scripts/interop/peft-roundtrip.py; prefix-only templates); llama.cpp fed the prompt's
/// rows as input embeddings where the template puts them gives its answers
/// (scripts/interop/llama-cpp-roundtrip.py; any template).
@Suite(.enabled(if: TestEnvironment.interopPython != nil, "needs the interop Python environment (make interop)"),
       .enabled(if: TestEnvironment.smolLM2 != nil, "needs the cached SmolLM2 model (make model)"),
       .enabled(if: TestEnvironment.shared != nil, "needs ../shared/data beside the package"))
struct PeftAdapterInteropTests {
    /// A bundle's task.toml lines after `model`, its training records and the records to predict.
    typealias Task = (manifest: String, train: [[String: String]], predict: [[String: String]])

    static func data(_ path: String) throws -> String {
        try String(contentsOfFile: try #require(TestEnvironment.shared).appendingPathComponent("data/" + path).path,
                   encoding: .utf8)
    }

    /// SST-2 sentences of six words or more (classify).
    static func sst2() throws -> Task {
        func rows(_ file: String, _ count: Int) throws -> [[String: String]] {
            let fields: [[Substring]] = try data("sst2/" + file).split(separator: "\n").dropFirst()
                .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
            let long = fields.filter { $0.count == 2 && $0[0].split(separator: " ").count >= 6 }
            return long.prefix(count).map { row -> [String: String] in
                ["sentence": row[0].trimmingCharacters(in: .whitespaces), "label": String(row[1])]
            }
        }
        return ("kind = \"classify\"\ntemplate = \"[P*4]{sentence} It was {target}\"\n\n"
                + "[labels]\n\"1\" = \"great\"\n\"0\" = \"terrible\"\n", try rows("train.tsv", 64), try rows("test.tsv", 40))
    }

    /// LAMA P103 facts whose object is one of ten languages (fill with candidates).
    static func lamaP103(template: String = "[P*3] The native language of {subject} is {target}") throws -> Task {
        let languages = ["English", "French", "Spanish", "Italian", "German", "Russian", "Dutch", "Japanese", "Polish", "Swedish"]
        func rows(_ file: String, _ count: Int) throws -> [[String: String]] {
            try data("lama/fact-retrieval/original/P103/" + file).split(separator: "\n").compactMap { line in
                let fact = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                guard let subject = fact?["sub_label"] as? String, let object = fact?["obj_label"] as? String,
                      languages.contains(object) else { return nil }
                return ["subject": subject, "object": object]
            }.prefix(count).map { $0 }
        }
        let candidates = languages.map { "\"\($0)\"" }.joined(separator: ", ")
        return ("kind = \"fill\"\ntemplate = \"\(template)\"\n\n"
                + "[data]\nlabel_field = \"object\"\n\n[fill]\ncandidates = [\(candidates)]\n",
                try rows("train.jsonl", 64), try rows("test.jsonl", 40))
    }

    static func jsonLines(_ rows: [[String: String]]) throws -> String {
        try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) }
            .joined(separator: "\n") + "\n"
    }

    /// SST-2 and LAMA with prefix-only templates through PEFT and llama.cpp; LAMA with pseudo tokens
    /// in the middle ("[P*3] {subject} [P*3] {target}") through llama.cpp only; SST-2 on Gemma 3 too,
    /// whose inputs begin with its BOS token and whose input rows are scaled by sqrt(H).
    @Test(arguments: ["sst2", "lama-P103", "lama-P103-middle", "gemma3-sst2"])
    func theSameGGUFElsewherePredictsAsPtune(_ name: String) throws {
        let python = try #require(TestEnvironment.interopPython)
        let model = try #require(name.hasPrefix("gemma3") ? TestEnvironment.gemma3 : TestEnvironment.smolLM2,
                                 "the model the case names is cached (make model, scripts/fetch-gemma3.sh)")
        let task = name.hasSuffix("sst2") ? try Self.sst2()
            : name == "lama-P103" ? try Self.lamaP103() : try Self.lamaP103(template: "[P*3] {subject} [P*3] {target}")
        let root = TestEnvironment.temporaryDirectory("peft-interop")
        let bundle = root.appendingPathComponent("bundle")
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        try ("name = \"interop\"\nmodel = \"\((model as NSString).lastPathComponent)\"\n" + task.manifest
             + "\n[training]\nmax_steps = 30\nseeds = [13]\nmanual_fallback = false\n")
            .write(to: bundle.appendingPathComponent("task.toml"), atomically: true, encoding: .utf8)
        try Self.jsonLines(task.train).write(to: bundle.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        let input = root.appendingPathComponent("records.jsonl")
        try Self.jsonLines(task.predict).write(to: input, atomically: true, encoding: .utf8)
        let run = root.appendingPathComponent("run").path
        let ptune = TestEnvironment.ptuneBinary
        let train = try TestEnvironment.capture(ptune, ["train", bundle.path, "--out", run, "--threads", "2"])
        try #require(train.status == 0, "\(train.output)")
        let report = try String(contentsOfFile: run + "/report.json", encoding: .utf8)
        #expect(report.contains("\"bos\" : \(name.hasPrefix("gemma3"))"), "Gemma 3's file asks for a BOS token, SmolLM2's does not")
        let predict = try TestEnvironment.capture(ptune, ["predict", "--prompt", run, "--input", input.path, "--json",
                                                          "--model", model])
        try #require(predict.status == 0, "\(predict.output)")
        let predictions = root.appendingPathComponent("predictions.jsonl")
        let lines = predict.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        try (lines.joined(separator: "\n") + "\n").write(to: predictions, atomically: true, encoding: .utf8)

        let scripts = TestEnvironment.packageRoot.appendingPathComponent("scripts/interop")
        if name != "lama-P103-middle" {
            let peft = try TestEnvironment.capture(python, [scripts.appendingPathComponent("peft-roundtrip.py").path,
                                                            model, run, input.path, predictions.path])
            #expect(peft.status == 0, "\(peft.output)")
            #expect(peft.output.contains("\"records\": 40, \"equal\": 40"), "\(peft.output)")
        }
        let llama = try TestEnvironment.capture(python, [scripts.appendingPathComponent("llama-cpp-roundtrip.py").path,
                                                         model, run, input.path, predictions.path])
        #expect(llama.status == 0, "\(llama.output)")
        #expect(llama.output.contains("\"records\": 40"), "\(llama.output)")
    }
}
