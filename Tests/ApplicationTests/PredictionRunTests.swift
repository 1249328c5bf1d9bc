import Application
import Base
import Foundation
import PTuning
import TestSupport
import Testing

/// `PredictionRun` in-process on a tiny random model: every record answered once, in order, and a
/// run stopped (or killed mid-line) resumes to the uninterrupted file.
@Suite struct PredictionRunTests {
    /// A trained tiny prompt and a prediction bundle naming it, with `records` records.
    private func bundle(records: Int, labelled: Bool = true) throws -> (tiny: TinyBundle, bundle: URL) {
        let tiny = try TinyBundle()
        let trained = tiny.output("trained")
        _ = try TrainingRun(bundleDirectory: tiny.bundle, outputDirectory: trained, modelPath: tiny.model, threads: 1,
                            resume: false, onEvent: { _ in }, log: { _ in }).run()
        let bundle = tiny.output("predict")
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: trained.appendingPathComponent("prompt.safetensors"),
                                         to: bundle.appendingPathComponent("prompt.safetensors"))
        let manifest = """
            name = "scores"
            kind = "predict"
            model = "\(tiny.model)"

            [prompt]
            file = "prompt.safetensors"

            [predict]
            batch_size = 4
            """
        try Data(manifest.utf8).write(to: bundle.appendingPathComponent("task.toml"))
        let data = (0..<records).map { i in
            labelled ? "{\"text\": \"record \(i)\", \"label\": \(i % 2)}" : "{\"text\": \"record \(i)\"}"
        }.joined(separator: "\n") + "\n"
        try Data(data.utf8).write(to: bundle.appendingPathComponent("input.jsonl"))
        return (tiny, bundle)
    }

    private func run(_ bundle: URL, into out: URL, stopAfterBatches: Int? = nil) throws -> PredictionRun.Result {
        var batches = 0
        var run = PredictionRun(bundleDirectory: bundle, outputDirectory: out, threads: 1,
                                onProgress: { _, _ in batches += 1 }, log: { _ in })
        if let stopAfterBatches { run.stopRequested = { batches >= stopAfterBatches } }
        return try run.run()
    }

    private func lines(_ out: URL) throws -> [String] {
        try String(contentsOf: out.appendingPathComponent("predictions.jsonl"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func everyRecordIsAnsweredOnceInOrderAndMeasured() throws {
        let (tiny, bundle) = try bundle(records: 18)
        let out = tiny.output("straight")
        let result = try run(bundle, into: out)
        let written = try lines(out)
        #expect(written.count == 19 && written.last == "", "18 lines, each ended")
        let sources = try written.dropLast().map { try JSONDecoder().decode(Prediction.self, from: Data($0.utf8)).source }
        #expect(sources == (1...18).map { "input.jsonl:\($0)" })
        #expect(result.report.data.records == 18 && result.report.data.labelled)
        #expect(result.report.metrics?.count == 18)
        #expect(result.report.timing.resumedAfter == 0 && result.report.timing.recordsPerSecond > 0)
        #expect(result.files == ["predictions.jsonl", "report.md", "report.json"])
    }

    @Test func aStoppedRunAndAHalfWrittenLineResumeToTheUninterruptedFile() throws {
        let (tiny, bundle) = try bundle(records: 18)
        let straight = tiny.output("straight")
        _ = try run(bundle, into: straight)
        let out = tiny.output("stopped")
        #expect(throws: PredictionInterrupted.self) { try run(bundle, into: out, stopAfterBatches: 3) }
        #expect(try lines(out).count == 13, "three batches of four written")
        // What a SIGKILL in the middle of a write leaves.
        let handle = try FileHandle(forWritingTo: out.appendingPathComponent("predictions.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"gold\":\"1\",\"predi".utf8))
        try handle.close()
        let resumed = try run(bundle, into: out)
        #expect(resumed.report.timing.resumedAfter == 12)
        #expect(try Data(contentsOf: out.appendingPathComponent("predictions.jsonl"))
                == Data(contentsOf: straight.appendingPathComponent("predictions.jsonl")))
        #expect(resumed.report.metrics == (try run(bundle, into: tiny.output("again"))).report.metrics)
    }

    @Test func aLogOfOtherRecordsIsNeverContinued() throws {
        let (tiny, bundle) = try bundle(records: 6)
        let out = tiny.output("other")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let foreign = #"{"predicted":"1","source":"other.jsonl:1","top":[]}"# + "\n"
        try Data(foreign.utf8).write(to: out.appendingPathComponent("predictions.jsonl"))
        let error = #expect(throws: ActionableError.self) { try run(bundle, into: out) }
        #expect(error?.message.contains("other.jsonl:1") == true && error?.message.contains("input.jsonl:1") == true)
    }

    @Test func unlabelledRecordsAreAnsweredWithoutMetrics() throws {
        let (tiny, bundle) = try bundle(records: 5, labelled: false)
        let result = try run(bundle, into: tiny.output("out"))
        #expect(!result.report.data.labelled && result.report.metrics == nil)
        #expect(try lines(tiny.output("out")).count == 6)
    }

    @Test func docsNameEveryKeyOfTheReport() throws {
        let (tiny, bundle) = try bundle(records: 4)
        let report = try run(bundle, into: tiny.output("out")).report
        func keys(_ value: Any) -> Set<String> {
            guard let object = value as? [String: Any] else { return [] }
            return object.reduce(into: Set(object.keys)) { $0.formUnion(keys($1.value)) }
        }
        let all = keys(try JSONSerialization.jsonObject(with: try report.jsonData()))
        let docs = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/REPORT.md"), encoding: .utf8)
        let section = try #require(docs.components(separatedBy: "## Prediction jobs").last)
        let missing = all.filter { !section.contains("`\($0)`") }.sorted()
        #expect(missing.isEmpty, "docs/REPORT.md, Prediction jobs, does not name \(missing)")
    }
}
