import Base
import Foundation
import PTuning
@testable import Spool
import Testing
import TOMLKit

/// `[search]` and `[search.space]` read and checked (`SearchReader`).
@Suite struct SearchReaderTests {
    /// The settings read from `toml` (a manifest holding `[search]`) and the problems reported.
    private func read(_ toml: String, maxSteps: Int? = nil, encoderHiddenSize: Int = 0) throws -> (SearchSettings?, [TaskProblem]) {
        let diagnostics = ManifestDiagnostics(collector: ProblemCollector(), lines: ManifestLineIndex(source: toml))
        let top = ManifestTable(try TOMLTable(string: toml), path: [], validKeys: ["search"], diagnostics: diagnostics)
        var training = TrainingSettings()
        if let maxSteps { training.maxSteps = maxSteps }
        let table = try #require(top.subtable("search", validKeys: ManifestKeys.search))
        let settings = SearchReader(table: table, training: training, encoder: EncoderSettings(hiddenSize: encoderHiddenSize),
                                    template: try Template.parse("[P*3] {sentence} [P*3] It was{target}")).read()
        return (settings, diagnostics.collector.problems)
    }

    @Test func aGridOfListsAndALogRange() throws {
        let (settings, problems) = try read("""
            [search]
            budget_steps = 5000
            [search.space]
            learning_rate = { min = 1e-4, max = 1e-2, points = 3 }
            encoder = ["none", "lstm"]
            template = ["[P*2] {sentence} It was{target}", "[P*6] {sentence} It was{target}"]
            seeds = [13, 21]
            """)
        #expect(problems.isEmpty)
        let search = try #require(settings)
        #expect(search.strategy == .grid && search.budgetSteps == 5000)
        #expect(search.space.encoder == [.none, .lstm] && search.space.seeds == [13, 21])
        #expect(search.space.template?.map(\.pseudoTokenCount) == [2, 6])
        let rates = try #require(search.space.learningRate?.gridValues)
        #expect(rates.count == 3 && abs(rates[1] - 1e-3) < 1e-9)
        #expect(SearchPlan.configurations(search).count == 3 * 2 * 2 * 2)
    }

    @Test func randomNeedsTrialsHalvingWithoutThemRunsTheGridAndBothTakeTheirOwnKeys() throws {
        let (missing, problems) = try read("[search]\nstrategy = \"random\"\n[search.space]\nlearning_rate = [1e-3, 3e-3]\n")
        #expect(missing == nil && problems.first?.field == "search.trials")
        let (grid, fine) = try read("[search]\nstrategy = \"halving\"\n[search.space]\nlearning_rate = [1e-3, 3e-3]\nseeds = [1, 2]\n")
        #expect(fine.isEmpty && grid.map(SearchPlan.configurations)?.count == 4)
        let (ranged, unpointed) = try read("[search]\nstrategy = \"halving\"\n[search.space]\nlearning_rate = { min = 1e-4, max = 1e-1 }\n")
        #expect(ranged == nil && unpointed.first?.field == "search.space.learning_rate"
                && unpointed.first?.message.contains("without trials") == true)
        let (settings, none) = try read("""
            [search]
            strategy = "halving"
            trials = 9
            reduction = 3
            min_steps = 20
            seed = 7
            budget_time = "1h30m"
            [search.space]
            learning_rate = { min = 1e-4, max = 1e-1 }
            """)
        #expect(none.isEmpty)
        #expect(settings?.trials == 9 && settings?.minimumSteps == 20 && settings?.seed == 7 && settings?.budgetSeconds == 5400)
    }

    @Test func everyMistakeIsNamedWithItsKey() throws {
        let cases: [(String, String, String)] = [
            ("[search]\n", "search.space", "is missing: nothing to search"),
            ("[search]\n[search.space]\n", "search.space", "is empty: nothing to search"),
            ("[search]\n[search.space]\nencoder = []\n", "search.space.encoder", "must not be empty"),
            ("[search]\n[search.space]\nlearning_rate = { min = 1e-2, max = 1e-4, points = 3 }\n", "search.space.learning_rate",
             "the range runs the wrong way round: min 0.01 is not below max 0.0001"),
            ("[search]\n[search.space]\nlearning_rate = { min = 1e-4 }\n", "search.space.learning_rate",
             "a range needs both min and max"),
            ("[search]\n[search.space]\nlearning_rate = { min = 1e-4, max = 1e-2 }\n", "search.space.learning_rate",
             "a range needs points = N for strategy = \"grid\""),
            ("[search]\n[search.space]\nencoder = [\"gru\"]\n", "search.space.encoder", "\"gru\" is not an encoder"),
            ("[search]\n[search.space]\nsteps = [100, 100]\n", "search.space.steps", "a value is listed twice"),
            ("[search]\n[search.space]\nlearning_rate = [1e-3, 0.001]\n", "search.space.learning_rate", "a value is listed twice"),
            ("[search]\nbudget_steps = 150\n[search.space]\nsteps = [200, 400]\n", "search.budget_steps",
             "150 steps do not cover one trial (200 steps)"),
            ("[search]\nbudget_time = \"soon\"\n[search.space]\nseeds = [1, 2]\n", "search.budget_time", "\"soon\" is not a duration"),
            ("[search]\nstratgy = \"grid\"\n[search.space]\nseeds = [1, 2]\n", "search.stratgy", "unknown key"),
            ("[search]\n[search.space]\nseeds = [1, 4294967296]\n", "search.space.seeds", "4294967296 is out of range"),
            ("[search]\n[search.space]\nlearning_rate = [1e-3, 1e39]\n", "search.space.learning_rate",
             "1e+39 does not fit a 32-bit float"),
            ("[search]\n[search.space]\nlearning_rate = { min = 0.001, max = 0.00100000000001, points = 2 }\n",
             "search.space.learning_rate", "min 0.001 and max 0.00100000000001 are the same 32-bit float"),
            ("[search]\n[search.space]\nlr = [1e-3]\n", "search.space.lr", "unknown key"),
            ("[search]\n[search.space]\ntemplate = [\"[P*3] {premise} {target}\"]\n", "search.space.template",
             "\"[P*3] {premise} {target}\" names {premise}, which the bundle's template does not"),
        ]
        for (toml, field, message) in cases {
            let (settings, problems) = try read(toml)
            #expect(settings == nil, "\(toml)")
            #expect(problems.contains { $0.field == field && $0.message == message }, "\(toml): \(problems)")
        }
    }

    @Test func anLSTMInTheSpaceNeedsAnEvenEncoderHiddenSize() throws {
        let lstm = "[search]\n[search.space]\nencoder = [\"none\", \"lstm\"]\n"
        let (settings, problems) = try read(lstm, encoderHiddenSize: 7)
        #expect(settings == nil && problems.map(\.field) == ["search.space.encoder"], "\(problems)")
        #expect(problems.first?.message == "lists lstm, which splits [encoder] hidden_size (7, odd) between its two directions")
        #expect(try read(lstm, encoderHiddenSize: 8).1.isEmpty)
        #expect(try read("[search]\n[search.space]\nencoder = [\"none\", \"mlp\"]\n", encoderHiddenSize: 7).1.isEmpty)
    }

    @Test func aGridOfTooManyCombinationsIsRefusedWithoutBeingBuiltAndTrialsTakeItsFirst() throws {
        func list(_ count: Int, _ value: (Int) -> String) -> String { "[" + (1...count).map(value).joined(separator: ", ") + "]" }
        let space = "[search.space]\nseeds = \(list(2000) { "\($0)" })\nsteps = \(list(2000) { "\($0)" })\n"
            + "batch_size = \(list(2000) { "\($0)" })\nlearning_rate = \(list(2000) { "\(Double($0) * 1e-6)" })\n"
            + "encoder = [\"none\", \"mlp\", \"lstm\"]\n"
        let (refused, problems) = try read("[search]\n" + space)
        #expect(refused == nil && problems.first?.field == "search.space"
                && problems.first?.message == "holds 48000000000000 configurations, more than 256")
        let (first, none) = try read("[search]\ntrials = 3\n" + space)
        let trials = try #require(first.map(SearchPlan.configurations))
        #expect(none.isEmpty && trials.map(\.seed) == [1, 2, 3] && trials.allSatisfy { $0.steps == 1 && $0.encoder == EncoderKind.none })
    }

    @Test func aBudgetBelowTheFirstRungIsRejectedForHalving() throws {
        let toml = "[search]\nstrategy = \"halving\"\ntrials = 9\nbudget_steps = 20\n[search.space]\nseeds = [1, 2, 3]\n"
        let (settings, problems) = try read(toml, maxSteps: 270)
        #expect(settings == nil)
        #expect(problems.first?.message == "20 steps do not cover one trial (30 steps)", "rungs of 30, 90 and 270 steps")
    }

    @Test func aBundleWithASearchLoadsWithItWhenItHasDevRecordsToJudgeBy() throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + "\n[search]\n[search.space]\nseeds = [1, 2]\n")
        #expect(try fixture.problems().about("search")?.message
            == "a search needs dev records to choose its winner by, and this bundle has none")
        try fixture.write("dev.jsonl", "{\"sentence\": \"a joy\", \"label\": 1}\n{\"sentence\": \"dull\", \"label\": 0}\n")
        let bundle = try fixture.load()
        #expect(bundle.manifest.search?.space.seeds == [1, 2] && bundle.manifest.search?.strategy == .grid)
        #expect(try BundleFixture.sentiment().load().manifest.search == nil)

        let folds = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest
            .replacingOccurrences(of: "[labels]", with: "[data]\ndev_fraction = 0\nfolds = 2\n[labels]")
            + "\n[search]\n[search.space]\nseeds = [1, 2]\n")
        try folds.write("train.jsonl", BundleFixture.sentimentRecords(32))
        #expect(try folds.load().manifest.data.folds == 2, "the folds are its dev records")
    }
}
