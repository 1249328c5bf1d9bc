import Application
import Base
import Foundation
import PTuning
import TestSupport
import Testing

/// `TrainingRun` in-process on a tiny random model: outputs, determinism, interruption and resume.
@Suite struct TrainingRunTests {
    private func run(_ tiny: TinyBundle, into out: URL, resume: Bool = false,
                     stopAfterSteps: Int? = nil) throws -> TrainingRun.Result {
        var steps = 0
        var run = TrainingRun(bundleDirectory: tiny.bundle, outputDirectory: out, modelPath: tiny.model, threads: 1,
                              resume: resume, onEvent: { if case .step = $0 { steps += 1 } }, log: { _ in })
        if let stopAfterSteps { run.stopRequested = { steps >= stopAfterSteps } }
        return try run.run()
    }

    @Test func writesEveryOutputAndReportsThem() throws {
        let tiny = try TinyBundle()
        let out = tiny.output("out")
        let result = try run(tiny, into: out)
        #expect(result.outcome?.seeds.map(\.steps) == [4])
        for file in ["report.json", "report.md", "loss.svg", "prompt.safetensors"] {
            #expect(result.files.contains(file), "\(file)")
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test func theSameBundleTrainsToTheSamePromptBytes() throws {
        let tiny = try TinyBundle()
        _ = try run(tiny, into: tiny.output("a"))
        _ = try run(tiny, into: tiny.output("b"))
        let a = try Data(contentsOf: tiny.output("a").appendingPathComponent("prompt.safetensors"))
        let b = try Data(contentsOf: tiny.output("b").appendingPathComponent("prompt.safetensors"))
        #expect(a == b)
    }

    /// Also with text before the first pseudo token, whose keys and values the run keeps: the resumed
    /// process keeps them anew, and reads the same bits.
    @Test(arguments: ["[P*2] {text} [P] It was {target}", "{text} [P*2] It was {target}"])
    func anInterruptedRunRefusesToStartOverAndResumesToTheUninterruptedResult(template: String) throws {
        let tiny = try TinyBundle()
        let manifest = tiny.bundle.appendingPathComponent("task.toml")
        let toml = try String(contentsOf: manifest, encoding: .utf8)
        try Data(toml.replacingOccurrences(of: "[P*2] {text} [P] It was {target}", with: template).utf8).write(to: manifest)
        let out = tiny.output("interrupted")
        #expect(throws: TrainingInterrupted.self) { try run(tiny, into: out, stopAfterSteps: 2) }
        do {
            _ = try run(tiny, into: out)
            Issue.record("started over on top of an earlier run's checkpoints")
        } catch let error as ActionableError {
            #expect(error.message.contains("holds checkpoints of an earlier run"))
            #expect(error.hint?.contains("--resume") == true)
        }
        _ = try run(tiny, into: out, resume: true)
        _ = try run(tiny, into: tiny.output("straight"))
        let resumed = try Data(contentsOf: out.appendingPathComponent("prompt.safetensors"))
        let straight = try Data(contentsOf: tiny.output("straight").appendingPathComponent("prompt.safetensors"))
        #expect(resumed == straight)
        let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        #expect((report.resources.prefixCache?.passesReused ?? 0 > 0) == template.hasPrefix("{text}"))
    }

    /// A model whose file asks for a BOS token trains with it; its prompt file says so, and predicting
    /// with the prompt scores the test records as the run did, where the same prompt read as trained
    /// without BOS (a file from before the key) scores them otherwise.
    @Test func aModelThatAsksForBOSTrainsAndPredictsWithIt() throws {
        let tiny = try TinyBundle(addsBOS: true)
        let manifest = tiny.bundle.appendingPathComponent("task.toml")
        let toml = try String(contentsOf: manifest, encoding: .utf8)
        try Data(toml.replacingOccurrences(of: "seeds = [13]", with: "seeds = [13]\nmanual_fallback = false").utf8).write(to: manifest)
        let out = tiny.output("out")
        _ = try run(tiny, into: out)
        let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        #expect(report.task.bos)
        let runLogLoss = try #require(report.seeds.first?.test?.values[.logLoss])

        func testLogLoss(_ prompt: TrainedPrompt) throws -> Double {
            let predictions = try prompt.predict(input: tiny.bundle.appendingPathComponent("test.jsonl").path,
                                                 labelled: true, batchSize: 4)
            return predictions.map { -log($0.goldProbability ?? 0) }.reduce(0, +) / Double(predictions.count)
        }
        let file = out.appendingPathComponent("prompt.safetensors").path
        let trained = try TrainedPrompt(path: file, modelPath: tiny.model, precision: .fp32)
        #expect(trained.encoder.spec.bos == true)
        #expect(report.summary.exported == .chosenSeed)
        #expect(abs(try testLogLoss(trained) - runLogLoss) < 1e-9 * max(1, runLogLoss))

        var withoutBOS = trained.prompt
        withoutBOS.spec.bos = false
        let other = try TrainedPrompt(prompt: withoutBOS, modelPath: tiny.model, precision: .fp32)
        #expect(abs(try testLogLoss(other) - runLogLoss) > 1e-6)
    }

    @Test func aSmallSetWithoutADevSplitIsCrossValidatedUnlessTurnedOff() throws {
        func bundle(_ data: String, records: Int = 40) throws -> TinyBundle {
            let tiny = try TinyBundle()
            try FileManager.default.removeItem(at: tiny.bundle.appendingPathComponent("dev.jsonl"))
            try Data(TestBundles.data(records).utf8).write(to: tiny.bundle.appendingPathComponent("train.jsonl"))
            let manifest = TestBundles.manifest(name: "tiny", steps: 4).replacingOccurrences(of: "seeds = [13]", with: "seeds = [13, 21]")
            try Data((manifest + data).utf8).write(to: tiny.bundle.appendingPathComponent("task.toml"))
            return tiny
        }
        let tiny = try bundle("")
        let out = tiny.output("folds")
        let outcome = try #require(try run(tiny, into: out).outcome)
        #expect(outcome.data == DataSummary(train: 40, dev: 40, test: 4, devSource: .crossValidated, folds: 2))
        #expect(outcome.crossValidation?.foldSizes == [20, 20] && outcome.seeds.allSatisfy { $0.dev?.count == 20 })
        let report = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(report.contains("\"dev_source\" : \"cross_validated\"") && report.contains("\"cross_validation\""))
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("each dev once in 2 folds") && markdown.contains("Folds pooled (20 + 20 records)")
                && markdown.contains("best on its own fold"))

        let off = try bundle("\n[data]\ncross_validate = false\n")
        let carved = try #require(try run(off, into: off.output("carved")).outcome)
        #expect(carved.data == DataSummary(train: 32, dev: 8, test: 4, devSource: .carved) && carved.crossValidation == nil)

        let asked = try bundle("\n[data]\ndev_fraction = 0.5\nfolds = 4\n", records: 80)
        let four = try #require(try run(asked, into: asked.output("four")).outcome)
        #expect(four.data == DataSummary(train: 80, dev: 80, test: 4, devSource: .crossValidated, folds: 4),
                "a carved split of 40 would not cross-validate by itself")
        #expect(four.crossValidation?.foldSizes == [20, 20, 20, 20])
        #expect(four.seeds.map(\.seed) == [13, 21, 14, 22], "two seeds, then each plus 1 for the later folds")
    }

    @Test func aModelThatIsNotThereIsAnErrorSayingWhatToDo() throws {
        do {
            _ = try ModelResolution.resolve("/nonexistent/model.gguf")
            Issue.record("resolved a missing model")
        } catch {
            #expect(error.message == "the model /nonexistent/model.gguf does not exist")
            #expect(error.hint == "fix `model` in task.toml or pass --model")
        }
        #expect(throws: ActionableError.self) { try ModelResolution.resolve("sub/model.gguf") }
    }
}
