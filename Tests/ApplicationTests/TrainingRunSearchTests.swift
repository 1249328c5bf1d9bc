import Application
import Base
import Foundation
import PTuning
import TestSupport
import Testing

/// A bundle's `[search]` run by `TrainingRun`: every trial trained, the best on dev exported.
@Suite struct TrainingRunSearchTests {
    /// The tiny bundle with `search` appended to its manifest.
    private func bundle(_ search: String) throws -> TinyBundle {
        let tiny = try TinyBundle()
        let manifest = TestBundles.manifest(name: "tiny", steps: 4) + "\n" + search
        try Data(manifest.utf8).write(to: tiny.bundle.appendingPathComponent("task.toml"))
        return tiny
    }

    private func run(_ tiny: TinyBundle, into out: URL, resume: Bool = false, stopAfterSteps: Int? = nil,
                     log: @escaping (String) -> Void = { _ in }) throws -> TrainingRun.Result {
        var steps = 0
        var run = TrainingRun(bundleDirectory: tiny.bundle, outputDirectory: out, modelPath: tiny.model, threads: 1,
                              resume: resume, onEvent: { if case .step = $0 { steps += 1 } }, log: log)
        if let stopAfterSteps { run.stopRequested = { steps >= stopAfterSteps } }
        return try run.run()
    }

    private func report(_ out: URL) throws -> SearchReport {
        try JSONDecoder().decode(SearchReport.self, from: Data(contentsOf: out.appendingPathComponent("search.json")))
    }

    static let grid = "[search]\n[search.space]\nlearning_rate = [0.001, 0.05]\nseeds = [13, 21]\n"

    @Test func aGridTrainsEveryTrialAndExportsTheBestOnDev() throws {
        let tiny = try bundle(Self.grid)
        let out = tiny.output("grid")
        let result = try run(tiny, into: out)
        let search = try report(out)
        #expect(search.trials.map(\.index) == [0, 1, 2, 3] && search.notRun == 0)
        #expect(search.trials.map(\.seed) == [13, 21, 13, 21] && search.trials.map(\.learningRate) == [0.001, 0.001, 0.05, 0.05])
        #expect(search.trials.allSatisfy { $0.steps == 4 && $0.dev != nil } && search.steps == 16)
        let sound = search.trials.filter { !$0.warnings.contains("one_answer") && !$0.warnings.contains("loss_above_uniform") }
        let best = (sound.isEmpty ? search.trials : sound).max { a, b in
            a.score! < b.score! || (!(b.score! < a.score!) && a.index > b.index)
        }
        #expect(search.trials.allSatisfy { $0.devLogLoss != nil }, "ties in dev go by log-loss")
        #expect(search.winner == best?.index)
        let winner = try #require(search.trials.first { $0.index == search.winner })
        #expect(result.outcome?.seeds.map(\.seed) == [winner.seed!], "the winner trained in this process")
        #expect(result.search == search)
        for file in ["report.json", "report.md", "prompt.safetensors", "search.json", "search.md", "search.svg"] {
            #expect(result.files.contains(file) && FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let markdown = try String(contentsOf: out.appendingPathComponent("search.md"), encoding: .utf8)
        #expect(markdown.contains("| \(winner.index + 1) ★ |"))
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("## Search (grid)") && report.contains("| \(winner.index + 1) ★ |") && report.contains("(search.svg)"),
                "the search's report.md is the winner's with the trials table")
        #expect(search.trials.allSatisfy { !$0.devCurve.isEmpty && $0.devCurve.last!.step <= 4 })
    }

    @Test func aStoppedSearchResumesWithoutTrainingAFinishedTrialAgain() throws {
        let tiny = try bundle(Self.grid)
        _ = try run(tiny, into: tiny.output("straight"))
        let straight = try report(tiny.output("straight"))
        let out = tiny.output("stopped")
        #expect(throws: TrainingInterrupted.self) { try run(tiny, into: out, stopAfterSteps: 6) }
        var steps = 0
        _ = try TrainingRun(bundleDirectory: tiny.bundle, outputDirectory: out, modelPath: tiny.model, threads: 1,
                            resume: true, onEvent: { if case .step = $0 { steps += 1 } }, log: { _ in }).run()
        #expect(steps == 16 - 6, "the finished trial is not trained again, the stopped one goes on from its checkpoint")
        #expect(try report(out) == straight)
    }

    /// An earlier ptune kept a trial's checkpoints under checkpoints/KEY and had no trial folders: the
    /// search resumes from them.
    @Test func aSearchBegunWithCheckpointsOfTheEarlierLayoutResumesFromThem() throws {
        let tiny = try bundle(Self.grid)
        let out = tiny.output("earlier")
        #expect(throws: TrainingInterrupted.self) { try run(tiny, into: out, stopAfterSteps: 6) }
        let trials = out.appendingPathComponent("trials")
        let earlier = out.appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(at: earlier, withIntermediateDirectories: true)
        for key in try FileManager.default.contentsOfDirectory(atPath: trials.path) {
            let kept = trials.appendingPathComponent(key).appendingPathComponent("checkpoints")
            if FileManager.default.fileExists(atPath: kept.path) {
                try FileManager.default.moveItem(at: kept, to: earlier.appendingPathComponent(key))
            }
        }
        try FileManager.default.removeItem(at: trials)
        var steps = 0
        _ = try TrainingRun(bundleDirectory: tiny.bundle, outputDirectory: out, modelPath: tiny.model, threads: 1,
                            resume: true, onEvent: { if case .step = $0 { steps += 1 } }, log: { _ in }).run()
        #expect(steps == 16 - 6, "the trials go on from the checkpoints they had")
        #expect(try report(out).trials.count == 4)
    }

    @Test func halvingTrainsTheBestOfEachRungLonger() throws {
        let tiny = try bundle("[search]\nstrategy = \"halving\"\ntrials = 4\nreduction = 2\nseed = 3\n"
            + "[search.space]\nlearning_rate = { min = 1e-3, max = 1e-1 }\n")
        let out = tiny.output("halving")
        _ = try run(tiny, into: out)
        let search = try report(out)
        // 4 trials of 1 step, the best 2 for 2 steps, the best for all 4.
        #expect(search.trials.map(\.rung) == [0, 0, 0, 0, 1, 1, 2] && search.trials.map(\.steps) == [1, 1, 1, 1, 2, 2, 4])
        #expect(search.winner == search.trials.last?.index && search.steps == 4 + 4 + 4 && search.failed == 0)
        #expect(search.trials.dropLast().allSatisfy { $0.test == nil } && search.trials.last?.test != nil,
                "a trial cut short for a rung is ranked on dev alone")
        func best(_ rows: [SearchReport.Row], _ count: Int) -> Set<Int> {
            let sound = { (row: SearchReport.Row) in !row.warnings.contains("one_answer") && !row.warnings.contains("loss_above_uniform") }
            return Set(rows.sorted { a, b in
                if sound(a) != sound(b) { return sound(a) }
                if a.score! < b.score! || b.score! < a.score! { return b.score! < a.score! }
                return a.index < b.index
            }.prefix(count).map(\.index))
        }
        #expect(Set(search.trials[4...5].map(\.index)) == best(Array(search.trials[0...3]), 2), "rung 2 holds rung 1's best two")
        #expect(search.winner == best(Array(search.trials[4...5]), 1).first)
    }

    /// With folds, a trial refits on every record after its folds; a halving trial cut short for a
    /// rung only ranks, so it neither refits nor is measured on test.
    @Test func halvingRefitsAndTestsOnlyItsLastRung() throws {
        let tiny = try bundle("[data]\nfolds = 3\n[search]\nstrategy = \"halving\"\ntrials = 2\nreduction = 2\n"
            + "[search.space]\nlearning_rate = [0.001, 0.05]\n")
        try FileManager.default.removeItem(at: tiny.bundle.appendingPathComponent("dev.jsonl"))
        try Data(TestBundles.data(48).utf8).write(to: tiny.bundle.appendingPathComponent("train.jsonl"))
        let out = tiny.output("folds")
        _ = try run(tiny, into: out)
        let search = try report(out)
        // 2 trials of 2 steps on each of 3 folds, then the better for all 4 on each fold and its refit.
        #expect(search.trials.map(\.rung) == [0, 0, 1])
        let ranked = search.trials.prefix(2), last = try #require(search.trials.last)
        #expect(ranked.allSatisfy { $0.steps == 3 * 2 && $0.rankedOnly == true && $0.test == nil }, "\(search.trials)")
        #expect(last.steps > 3 * 4 && last.rankedOnly == nil && last.test != nil, "the last rung refits and is tested")
        let markdown = try String(contentsOf: out.appendingPathComponent("search.md"), encoding: .utf8)
        #expect(markdown.components(separatedBy: "| ranked only |").count == 3 && !markdown.contains("ended before its last rung"))
    }

    @Test func noTrialStartsOnceTheStepBudgetIsSpent() throws {
        let tiny = try bundle("[search]\nbudget_steps = 6\n[search.space]\nseeds = [1, 2, 3, 4]\n")
        let out = tiny.output("budget")
        _ = try run(tiny, into: out)
        let search = try report(out)
        #expect(search.trials.count == 2 && search.notRun == 2 && search.steps == 8, "the second trial starts at 4 of 6 steps")
    }

    @Test func aTrialThatRecordedItsEndIsNotRunAgainNorRefusedByItsOwnSteps() throws {
        let tiny = try bundle("[search]\nbudget_steps = 4\n[search.space]\nseeds = [1, 2]\n")
        let out = tiny.output("again")
        _ = try run(tiny, into: out)
        let search = try report(out)
        #expect(search.trials.count == 1 && search.notRun == 1, "the first trial spends the budget")
        let folder = out.appendingPathComponent(search.trials[0].folder)
        let recorded = try Data(contentsOf: folder.appendingPathComponent("trial-result.json"))
        // The daemon runs a trial's job again when it died before recording how the job ended.
        var steps = 0
        let again = try TrainingRun(bundleDirectory: tiny.bundle, outputDirectory: folder, modelPath: tiny.model, threads: 1,
                                    resume: true, onEvent: { if case .step = $0 { steps += 1 } }, log: { _ in }).runSearchTrial()
        #expect(steps == 0 && again.files.contains("report.json"))
        #expect(try Data(contentsOf: folder.appendingPathComponent("trial-result.json")) == recorded)
    }
}
