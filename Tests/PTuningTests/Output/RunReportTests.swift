import Base
import Foundation
@testable import PTuning
import TestSupport
import Testing

struct RunReportTests {
    private func writtenReport() throws -> (URL, [String], Data) {
        let folder = try OutputFixtures.folder()
        let names = try RunOutputs.write(outcome: OutputFixtures.outcome(), context: OutputFixtures.context(), to: folder)
        return (folder, names, try Data(contentsOf: folder.appendingPathComponent("report.json")))
    }

    @Test func writesEveryOutputAndListsIt() throws {
        let (folder, names, data) = try writtenReport()
        #expect(names == ["prompt.safetensors", "adapter/adapter_config.json", "adapter/adapter_model.safetensors",
                          "loss.svg", "report.md", "report.json"])
        for name in names {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
        let report = try JSONDecoder().decode(RunReport.self, from: data)
        #expect(report.outputs == names)
    }

    @Test func decodesBackWithTheDocumentedKeys() throws {
        let (_, _, data) = try writtenReport()
        let report = try JSONDecoder().decode(RunReport.self, from: data)
        #expect(report == RunReport(outcome: OutputFixtures.outcome(), context: OutputFixtures.context(), outputs: report.outputs))
        #expect(report.schemaVersion == 1)

        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["schema_version", "job", "model", "task", "encoder", "training", "data", "baselines",
                                   "seeds", "summary", "timing", "resources", "outputs"])
        let job = try #require(json["job"] as? [String: Any])
        #expect(job["id"] as? String == "job-1")
        #expect(job["bundle_name"] as? String == "sst2")
        #expect(job["ptune_version"] as? String == ProductVersion.current)
        let model = try #require(json["model"] as? [String: Any])
        #expect(Set(model.keys) == ["name", "path", "sha256", "architecture", "hidden_size", "layers", "attention_heads", "vocab_size"])
        let task = try #require(json["task"] as? [String: Any])
        #expect(task["kind"] as? String == "classify")
        #expect(task["prefix_only"] as? Bool == true)
        let labels = try #require(task["label_words"] as? [[String: Any]])
        #expect(labels.map { $0["token"] as? Int } == [7, 9])
        let training = try #require(json["training"] as? [String: Any])
        #expect(training["learning_rate"] as? Double == 0.0001)
        #expect(Set(training.keys).isSuperset(of: ["epochs", "batch_size", "eval_batch_size", "learning_rate", "weight_decay",
                                                   "optimizer", "schedule", "warmup_steps", "epoch_decay", "clip_norm",
                                                   "seeds", "eval_every", "patience", "checkpoint_every", "max_length"]))
        let seed = try #require((json["seeds"] as? [[String: Any]])?.first)
        #expect(Set(seed.keys) == ["seed", "steps", "stopped_early", "best_step", "dev", "test", "loss_curve", "dev_curve",
                                   "train_tokens_per_second", "train_seconds", "eval_seconds", "warnings"])
        let split = try #require(json["data"] as? [String: Any])
        #expect(split["dev_source"] as? String == "carved")
        let baselines = try #require(json["baselines"] as? [String: Any])
        #expect(Set(baselines.keys) == ["majority", "manual"])
        #expect(training["automatic"] as? [String] == ["eval_every", "steps"])
        let test = try #require(seed["test"] as? [String: Any])
        #expect(Set(test.keys) == ["count", "accuracy", "macro_f1"])
        let timing = try #require(json["timing"] as? [String: Any])
        #expect(timing["started_at"] as? String == "2023-11-14T22:13:20Z")
        #expect(timing["wall_seconds"] as? Double == 30)
        let resources = try #require(json["resources"] as? [String: Any])
        #expect(resources["peak_rss_mb"] as? Double == 512.5)
    }

    @Test func summarisesTheSeedsWithMeanAndSampleStd() throws {
        let report = RunReport(outcome: OutputFixtures.outcome(), context: OutputFixtures.context(), outputs: [])
        let accuracy = try #require(report.summary.test.accuracy)
        #expect(accuracy.n == 2)
        #expect(abs(accuracy.mean - 0.8) < 1e-12)
        #expect(abs(try #require(accuracy.std) - 0.1 / 2.0.squareRoot()) < 1e-12)
        #expect(abs(try #require(report.summary.dev.macroF1?.mean) - 0.75) < 1e-12)
        #expect(report.summary.test.pAt1 == nil)
        #expect(report.summary.dev.pAt10 == nil)
        #expect(report.summary.bestSeed == 21)
        #expect(report.timing.trainTokensPerSecondMean == 1000)
        #expect(report.timing.trainSeconds == 24)
    }

    @Test func markdownLeadsWithTheExportedSeedsWarnings() throws {
        var outcome = OutputFixtures.outcome()
        outcome.seeds[0].warnings = [RunWarning(kind: .oneAnswer, message: "every dev prediction is \"1\"")]
        outcome.seeds[1].warnings = [RunWarning(kind: .lossAboveUniform, message: "the training loss ends at 0.9000")]
        let report = RunReport(outcome: outcome, context: OutputFixtures.context(), outputs: [])
        #expect(report.summary.warnings.map(\.kind) == [.lossAboveUniform])
        let text = ReportMarkdown.render(report)
        let warning = try #require(text.range(of: "> **Warning (loss_above_uniform):** the training loss ends at 0.9000."))
        let results = try #require(text.range(of: "## Results"))
        #expect(warning.lowerBound < results.lowerBound)
        #expect(text.contains("- Seed 21, loss_above_uniform: the training loss ends at 0.9000"))
        #expect(text.contains("(best on dev; every seed has warnings)"))
    }

    @Test func markdownSaysWhyARefitWasNotExported() throws {
        var outcome = OutputFixtures.outcome()
        let check = RefitCheck(records: 50, refit: Metrics(count: 50, accuracy: 0.56), chosen: Metrics(count: 50, accuracy: 0.98),
                               heldOut: Metrics(count: 10, accuracy: 0.9))
        outcome.refit = RefitResult(result: outcome.seeds[1], records: 50, matchedStep: 6, check: check, exported: false)
        let text = ReportMarkdown.render(RunReport(outcome: outcome, context: OutputFixtures.context(), outputs: []))
        #expect(text.contains("it fit 50 of the records it trained on at 0.5600, below the 0.9000 its first run scored on 10 "
                              + "it never trained on by more than the \(String(format: "%.4f", check.tolerance)) such a figure moves by"))
        outcome.refit?.check = nil
        let warned = ReportMarkdown.render(RunReport(outcome: outcome, context: OutputFixtures.context(), outputs: []))
        #expect(warned.contains("it carried warnings its first run did not"))
    }

    @Test func markdownNamesTheStepsAveragedIntoAPrompt() throws {
        var outcome = OutputFixtures.outcome()
        var result = outcome.seeds[1]
        result.averagedSteps = 3
        outcome.refit = RefitResult(result: result, records: 50, matchedStep: 6, check: nil, exported: true)
        let text = ReportMarkdown.render(RunReport(outcome: outcome, context: OutputFixtures.context(), outputs: []))
        #expect(text.contains("for \(result.steps) steps (as many passes as its first run made by step 6, its best on dev), "
                              + "keeping the mean of its last 3 steps' prompts, test"))
        #expect(ReportMarkdown.keptSteps(result) == "\(result.bestStep - 2)–\(result.bestStep) (mean)")
        result.averagedSteps = nil
        #expect(ReportMarkdown.keptSteps(result) == "\(result.bestStep)")
    }

    @Test func markdownSaysWhyTheManualTemplateWasExported() throws {
        var outcome = OutputFixtures.outcome()
        outcome.manualFallback = RunWarning(kind: .manualTemplateExported, message: "within noise")
        outcome.baselines.manual.dev?.values[.logLoss] = 0.7
        outcome.seeds[1].dev = Metrics(count: 10, accuracy: 0.8)
        outcome.seeds[1].dev?.values[.logLoss] = 1.9
        let render = { ReportMarkdown.render(RunReport(outcome: outcome, context: OutputFixtures.context(), outputs: [])) }
        #expect(render().contains("seed 21 (best on dev among the seeds without warnings) led it on dev by too little to tell "
                                  + "from the noise of the dev records, with a higher log-loss, test accuracy 0.6500"))
        outcome.seeds[1].dev = Metrics(count: 10, accuracy: 0.6)
        #expect(render().contains("no seed's prompt scored above it on dev, not even seed 21"), "a tie is not a lead")
    }

    @Test func statisticOfOneValueHasNoStd() throws {
        let one = try #require(RunReport.Statistic([0.5]))
        #expect(one.mean == 0.5 && one.std == nil)
        #expect(RunReport.Statistic([]) == nil)
        let three = try #require(RunReport.Statistic([1, 2, 3]))
        #expect(three.mean == 2 && three.std == 1)
    }

    @Test func markdownHasTheTableAndTheExactnessNote() throws {
        let report = RunReport(outcome: OutputFixtures.outcome(), context: OutputFixtures.context(), outputs: [])
        let text = ReportMarkdown.render(report)
        #expect(text.contains("| seed | steps | kept step | dev acc | dev macro-F1 | test acc | test macro-F1 | tokens/s |"))
        #expect(text.contains("| 21 ★ |"))
        #expect(text.contains("| mean ± std | | | 0.8500 ± 0.0707 |"))
        #expect(text.contains("loss.svg"))
        #expect(text.contains("reproduces the trained behaviour exactly"))
        #expect(text.contains("| manual template {sentence} It was{target} | 0.6000 | 0.6500 |"))
        #expect(text.contains("40 training, 10 dev (carved from the training records), 20 test records"))
        #expect(!text.contains("Warning"))
        #expect(ReportMarkdown.sparkline([3, 2, 1]) == "█▅▁")
    }
}

struct ReportDocumentationTests {
    /// Every key path's last component, at any depth of a JSON value.
    private func keys(_ value: Any) -> Set<String> {
        if let object = value as? [String: Any] {
            return object.reduce(into: Set(object.keys)) { $0.formUnion(keys($1.value)) }
        }
        if let array = value as? [Any] { return array.reduce(into: []) { $0.formUnion(keys($1)) } }
        return []
    }

    @Test func docsNameEveryKeyOfReportJSON() throws {
        var outcome = OutputFixtures.outcome()
        outcome.seeds[0].test = Metrics(count: 5, pAt1: 0.2, pAt10: 0.6)
        outcome.seeds[1].warnings = [RunWarning(kind: .oneAnswer, message: "every dev prediction is \"1\"")]
        outcome.settings.maxSteps = 10
        outcome.seeds[0].dev?.values[.logLoss] = 0.4
        outcome.refit = RefitResult(result: outcome.seeds[1], records: 50, matchedStep: 6,
                                    check: RefitCheck(records: 50, refit: Metrics(count: 50, accuracy: 0.9),
                                                      chosen: Metrics(count: 50, accuracy: 0.98),
                                                      heldOut: Metrics(count: 10, accuracy: 0.8)), exported: true)
        outcome.refit?.result.averagedSteps = 2
        var context = OutputFixtures.context()
        context.spec.training.maxSteps = 10
        context.spec.encoder.initText = "hello"
        var choice = context
        choice.spec.kind = ChoiceKind(fields: ["a", "b"], margin: 1)
        var fill = context
        fill.spec.kind = FillKind(candidates: ["x"])
        var all = Set<String>()
        for c in [context, choice, fill] {
            let data = try RunReport(outcome: outcome, context: c, outputs: []).jsonData()
            all.formUnion(keys(try JSONSerialization.jsonObject(with: data)))
        }
        let docs = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/REPORT.md"), encoding: .utf8)
        let missing = all.filter { !docs.contains("`\($0)`") }.sorted()
        #expect(missing.isEmpty, "docs/REPORT.md does not name \(missing)")
    }
}
