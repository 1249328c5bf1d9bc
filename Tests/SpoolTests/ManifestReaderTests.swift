import Base
import Foundation
import PTuning
@testable import Spool
import Testing

@Suite struct ManifestReaderTests {
    /// The problems of the sentiment bundle with `extra` appended to its manifest.
    private func problems(adding extra: String) throws -> [TaskProblem] {
        try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + extra).problems()
    }

    /// The problems of a manifest written out in full.
    private func problems(manifest: String) throws -> [TaskProblem] {
        try BundleFixture.sentiment(manifest: manifest).problems()
    }

    @Test func unknownTopLevelKeySuggestsTheClosest() throws {
        let manifest = BundleFixture.sentimentManifest.replacingOccurrences(of: "[labels]", with: "modle = \"x\"\n[labels]")
        let problem = try #require(try problems(manifest: manifest).about("modle"))
        #expect(problem.message == "unknown key")
        #expect(problem.line == 6)
        #expect(problem.hint?.hasPrefix("did you mean model?; valid keys: schema, name, model") == true)
    }

    @Test func unknownKeyInATableSuggestsTheClosest() throws {
        let problems = try problems(adding: "[training]\nlerning_rate = 0.01\n")
        #expect(problems.count == 1)
        let problem = try #require(problems.about("training.lerning_rate"))
        #expect(problem.description.hasPrefix(
            "task.toml:10: training.lerning_rate: unknown key (did you mean learning_rate?; valid keys: epochs, max_steps"))
    }

    @Test func unknownKeyFarFromAnyValidOneHasNoSuggestion() throws {
        let problem = try #require(try problems(adding: "[limits]\ngpu = 1\n").about("limits.gpu"))
        #expect(problem.hint == "valid keys: threads, memory_mb, wall_time, priority")
    }

    @Test func wrongTypesNameTheKeyAndBothTypes() throws {
        let problems = try problems(adding: """
            [training]
            epochs = "three"
            seeds = [1, "2"]
            [limits]
            wall_time = true

            """)
        #expect(problems.map(\.description) == [
            "task.toml:10: training.epochs: expected an integer, found a string",
            "task.toml:11: training.seeds: expected integers in the array, found a string",
            "task.toml:13: limits.wall_time: expected an integer or a string, found a boolean",
        ])
    }

    @Test func aTableGivenAsAValueIsAWrongType() throws {
        #expect(try problems(adding: "").isEmpty)
        let manifest = "training = 3\n" + BundleFixture.sentimentManifest
        #expect(try problems(manifest: manifest).map(\.description) == [
            "task.toml:1: training: expected a table, found an integer",
        ])
    }

    @Test func hyperparametersOutOfRange() throws {
        let problems = try problems(adding: """
            [training]
            learning_rate = nan
            weight_decay = -0.1
            epoch_decay = 1.5
            epochs = 0
            clip_norm = -inf
            seeds = [-1]
            max_length = 4
            tail_average = 1.5

            """)
        #expect(problems.map(\.description) == [
            "task.toml:13: training.epochs: 0 is out of range (allowed: 1...100000)",
            "task.toml:10: training.learning_rate: must be a finite number (allowed: greater than 0)",
            "task.toml:11: training.weight_decay: -0.1 is out of range (allowed: 0 or more)",
            "task.toml:12: training.epoch_decay: 1.5 is out of range (allowed: greater than 0, at most 1)",
            "task.toml:14: training.clip_norm: must be a finite number (allowed: 0 (no clipping) or more)",
            "task.toml:15: training.seeds: -1 is out of range (allowed: 0 to 4294967295)",
            "task.toml:16: training.max_length: 4 is out of range (allowed: 8...65536)",
            "task.toml:17: training.tail_average: 1.5 is out of range (allowed: from 0 (the last step's table) to 1 (every step's))",
        ])
    }

    /// Numbers training would hold as infinity or 0 in a 32-bit float, and seeds whose fold seeds
    /// would overflow, are refused at intake.
    @Test func numbersBeyondWhatTrainingHolds() throws {
        let found = try problems(adding: """
            [training]
            learning_rate = 1e39
            weight_decay = 1e-50
            seeds = [9223372036854775807]

            """)
        #expect(found.map(\.description) == [
            "task.toml:10: training.learning_rate: 1e+39 does not fit a 32-bit float (allowed: greater than 0; training holds sizes from 1.2e-38 to 3.4e38)",
            "task.toml:11: training.weight_decay: 1e-50 does not fit a 32-bit float (allowed: 0 or more; training holds sizes from 1.2e-38 to 3.4e38)",
            "task.toml:12: training.seeds: 9223372036854775807 is out of range (allowed: 0 to 4294967295)",
        ])
        #expect(try problems(adding: "[training]\nweight_decay = 0\nlearning_rate = 3.4e38\nseeds = [4294967295]\n").isEmpty)
    }

    @Test func limitsOutOfRange() throws {
        let problems = try problems(adding: """
            [limits]
            threads = 0
            memory_mb = 10
            wall_time = "2x"
            priority = 21

            """)
        #expect(problems.map(\.field) == ["limits.threads", "limits.memory_mb", "limits.priority", "limits.wall_time"])
        #expect(problems.about("limits.memory_mb")?.hint == "allowed: 64...16777216")
    }

    @Test func integersAreAcceptedForFloatKeysAndASingleSeedForTheList() throws {
        let bundle = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + """
            [training]
            learning_rate = 1
            seeds = 7
            [limits]
            wall_time = 600

            """).load()
        #expect(bundle.manifest.spec.training.learningRate == 1)
        #expect(bundle.manifest.spec.training.seeds == [7])
        #expect(bundle.manifest.limits.wallTimeSeconds == 600)
    }

    @Test func missingRequiredKeys() throws {
        let problems = try problems(manifest: "[labels]\n\"1\" = \"great\"\n\"0\" = \"terrible\"\n")
        #expect(problems.map(\.description) == [
            "task.toml: name: missing required key",
            "task.toml: model: missing required key",
            "task.toml: kind: missing required key",
            "task.toml: template: missing required key",
        ])
    }

    @Test func badKindSuggestsTheClosest() throws {
        let manifest = BundleFixture.sentimentManifest.replacingOccurrences(of: "\"classify\"", with: "\"clasify\"")
        let problem = try #require(try problems(manifest: manifest).about("kind"))
        #expect(problem.description == "task.toml:3: kind: \"clasify\" is not a task kind (did you mean classify?; one of: classify, fill, choice, or predict for a prediction bundle)")
    }

    @Test func badTemplateGivesTheColumn() throws {
        let manifest = BundleFixture.sentimentManifest.replacingOccurrences(of: "It was{target}", with: "It was{target")
        let problems = try problems(manifest: manifest)
        let problem = try #require(problems.about("template"))
        #expect(problem.line == 4)
        #expect(problem.message == "column 30: unclosed {: expected a field name and } (write {{ for a literal {)")
    }

    @Test func aTemplateMustNotShowTheLabel() throws {
        let manifest = BundleFixture.sentimentManifest.replacingOccurrences(of: "{sentence}", with: "{sentence} {label}")
        #expect(try problems(manifest: manifest).about("template")?.message == "names the label field {label}")
    }

    @Test func badNamesAndSchemas() throws {
        let manifest = "schema = 2\n" + BundleFixture.sentimentManifest.replacingOccurrences(of: "\"sst2\"", with: "\"my task\"")
        #expect(try problems(manifest: manifest).map(\.description) == [
            "task.toml:1: schema: schema 2 is not supported (this ptune reads schema 1)",
            "task.toml:2: name: \"my task\" is not a valid task name (1 to 64 letters, digits, '.', '_' or '-')",
        ])
    }

    @Test func classifyNeedsLabelsWithDistinctWords() throws {
        let base = BundleFixture.sentimentManifest
        let noLabels = String(base[..<base.range(of: "[labels]")!.lowerBound])
        #expect(try problems(manifest: noLabels).about("labels")?.message == "missing [labels] table")
        let oneLabel = noLabels + "[labels]\n\"1\" = \"great\"\n"
        #expect(try problems(manifest: oneLabel).about("labels")?.message == "1 label; classify needs at least 2")
        let sameWord = noLabels + "[labels]\n\"1\" = \"great\"\n\"0\" = \"great\"\n"
        let sameWordProblems = try problems(manifest: sameWord)
        #expect(sameWordProblems.map(\.description) == [
            "task.toml:7: labels.1: label word \"great\" is also the word for label \"0\" (each label needs its own word)",
        ])
    }

    @Test func tablesOfAnotherKindAreRejected() throws {
        let problem = try #require(try problems(adding: "[choice]\nfields = [\"a\", \"b\"]\n").about("choice"))
        #expect(problem.message == "[choice] is only used with kind = \"choice\"")
    }

    @Test func choiceNeedsItsFields() throws {
        let manifest = """
            name = "copa"
            model = "m"
            kind = "choice"
            template = "[P] {sentence}{target}"
            [choice]
            fields = ["choice1"]
            margin = 0

            """
        let choiceProblems = try problems(manifest: manifest)
        #expect(choiceProblems.map(\.description) == [
            "task.toml:7: choice.margin: 0.0 is out of range (allowed: greater than 0)",
            "task.toml:6: choice.fields: 1 option field; choice needs at least 2",
        ])
    }

    @Test func fillTakesCandidatesOrAFileButNotBoth() throws {
        let base = "name = \"p19\"\nmodel = \"m\"\nkind = \"fill\"\ntemplate = \"[P] {sentence}{target}\"\n"
        let both = base + "[fill]\ncandidates = [\"a\"]\ncandidates_file = \"c.txt\"\n"
        #expect(try problems(manifest: both).about("fill.candidates_file")?.message == "give candidates or candidates_file, not both")
        let twice = base + "[fill]\ncandidates = [\"a\", \"a\"]\n"
        #expect(try problems(manifest: twice).about("fill.candidates")?.message == "candidate \"a\" is listed twice")
        let list = base + "[fill]\ncandidates = [\"0\", \"1\"]\n"
        #expect(try BundleFixture.sentiment(manifest: list).load().manifest.spec.kind.isSame(as: FillKind(candidates: ["0", "1"])))
    }

    @Test func manualTemplateIsWordsOnlyOnTheTemplatesFields() throws {
        let bundle = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest
            .replacingOccurrences(of: "[labels]", with: "manual_template = \"{sentence} All in all, it was {target}\"\n[labels]")).load()
        #expect(bundle.manifest.spec.baselineTemplate.source == "{sentence} All in all, it was {target}")
        let withPseudo = BundleFixture.sentimentManifest
            .replacingOccurrences(of: "[labels]", with: "manual_template = \"[P] {sentence} {target}\"\n[labels]")
        #expect(try problems(manifest: withPseudo).about("manual_template")?.message.contains("a pseudo token in a manual template") == true)
        let otherField = BundleFixture.sentimentManifest
            .replacingOccurrences(of: "[labels]", with: "manual_template = \"{review} {target}\"\n[labels]")
        #expect(try problems(manifest: otherField).about("manual_template")?.message
            == "names {review}, a field the template does not name")
    }

    @Test func bosIsTheModelsChoiceUnlessTheBundleSetsIt() throws {
        #expect(try BundleFixture.sentiment().load().manifest.spec.bos == nil)
        for value in [true, false] {
            let bundle = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest
                .replacingOccurrences(of: "[labels]", with: "bos = \(value)\n[labels]")).load()
            #expect(bundle.manifest.spec.bos == value)
        }
        let word = BundleFixture.sentimentManifest.replacingOccurrences(of: "[labels]", with: "bos = \"yes\"\n[labels]")
        #expect(try problems(manifest: word).about("bos")?.message.contains("true or false") == true)
    }

    @Test func devFractionIsAShareUpToHalf() throws {
        let bundle = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest
            .replacingOccurrences(of: "[labels]", with: "[data]\ndev_fraction = 0\n[labels]")).load()
        #expect(bundle.manifest.data.devFraction == 0)
        let tooMuch = BundleFixture.sentimentManifest.replacingOccurrences(of: "[labels]", with: "[data]\ndev_fraction = 0.7\n[labels]")
        #expect(try problems(manifest: tooMuch).about("data.dev_fraction")?.message == "0.7 is out of range")
    }

    @Test func crossValidationIsOnUnlessTurnedOff() throws {
        #expect(try BundleFixture.sentiment().load().manifest.data.crossValidate)
        let off = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest
            .replacingOccurrences(of: "[labels]", with: "[data]\ncross_validate = false\n[labels]")).load()
        #expect(!off.manifest.data.crossValidate)
        let word = BundleFixture.sentimentManifest.replacingOccurrences(of: "[labels]", with: "[data]\ncross_validate = \"no\"\n[labels]")
        #expect(try problems(manifest: word).about("data.cross_validate") != nil)
    }

    @Test func foldsAreAskedForWithoutADevFileAndWithRecordsEnoughForThem() throws {
        func manifest(_ data: String) -> String {
            BundleFixture.sentimentManifest.replacingOccurrences(of: "[labels]", with: "[data]\n\(data)\n[labels]")
        }
        let fixture = try BundleFixture.sentiment(manifest: manifest("folds = 3"))
        try fixture.write("train.jsonl", BundleFixture.sentimentRecords(40))
        #expect(try fixture.load().manifest.data.folds == 3)
        #expect(try BundleFixture.sentiment().load().manifest.data.folds == nil)

        try fixture.write("task.toml", manifest("folds = 6"))
        let tooMany = try #require(fixture.problems().about("data.folds"))
        #expect(tooMany.message == "40 training records do not make 6 folds of at least 8 records with 16 left to train on")
        #expect(tooMany.line != nil && tooMany.hint == "ask for fewer folds, or give more training records")
        try fixture.write("task.toml", manifest("folds = 3"))
        try fixture.write("dev.jsonl", "{\"sentence\": \"a joy\", \"label\": 1}\n")
        #expect(fixture.problems().about("data.folds")?.message
            == "folds deal the training records into dev splits, and this bundle has a dev file (dev.jsonl)")

        #expect(try problems(manifest: manifest("folds = 1")).about("data.folds")?.message == "1 is out of range")
        #expect(try problems(manifest: manifest("folds = 21")).about("data.folds") != nil)
        #expect(try problems(manifest: manifest("cross_validate = false\nfolds = 3")).about("data.folds")?.message
            == "given with cross_validate = false")
    }

    @Test func encoderInitOnlyWithoutAnEncoderAndAsTextOrIDs() throws {
        #expect(try problems(adding: "[encoder]\ntype = \"mlp\"\ninit = \"It was\"\n").about("encoder.init")?.message
            == "only used with type = \"none\"")
        let bundle = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest
            + "[encoder]\ntype = \"none\"\ninit = \"It was\"\n").load()
        #expect(bundle.manifest.spec.encoder == EncoderSettings(kind: .none, hiddenSize: 0, initText: "It was"))
        #expect(try problems(adding: "[encoder]\ntype = \"lstm\"\ninit_ids = [1, 2]\n").about("encoder.init_ids")?.message
            == "only used with type = \"none\"")
        let ids = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest
            + "[encoder]\ntype = \"none\"\ninit_ids = [3513, 4442]\n").load()
        #expect(ids.manifest.spec.encoder == EncoderSettings(kind: .none, initTokenIDs: [3513, 4442]))
        let none = "[encoder]\ntype = \"none\"\n"
        #expect(try problems(adding: none + "init = \"a\"\ninit_ids = [1]\n").about("encoder.init_ids")?.message
            == "given together with init")
        #expect(try problems(adding: none + "init_ids = []\n").about("encoder.init_ids")?.message == "must not be empty")
        #expect(try problems(adding: none + "init_ids = [1, -2]\n").about("encoder.init_ids")?.message
            == "-2 is out of range")
        #expect(try problems(adding: none + "init_ids = [1, \"x\"]\n").about("encoder.init_ids")?.message
            == "expected integers in the array, found a string")
        #expect(try problems(adding: "[encoder]\ntype = \"lstn\"\n").about("encoder.type")?.hint
            == "did you mean lstm?; one of: lstm, mlp, none")
        #expect(try problems(adding: "[encoder]\ntype = \"lstm\"\nhidden_size = 7\n").about("encoder.hidden_size")?.message
            == "7 is odd, but the lstm encoder splits it between its two directions")
        #expect(try problems(adding: "[encoder]\ntype = \"mlp\"\nhidden_size = 7\n").about("encoder.hidden_size") == nil)
    }

    @Test func precisionIsFp32Bf16OrInt8() throws {
        #expect(try problems(adding: "[training]\nprecision = \"bf61\"\n").about("training.precision")?.hint
            == "did you mean bf16?; one of: fp32, bf16, int8")
        #expect(try problems(adding: "[training]\nprecision = \"int8\"\n").isEmpty)
        #expect(try problems(adding: "[training]\nprecision = \"bf16\"\n").isEmpty)
    }

    @Test func recomputeIsABoolean() throws {
        #expect(try problems(adding: "[training]\nrecompute = \"yes\"\n").about("training.recompute")?.message
            == "expected true or false, found a string")
        #expect(try problems(adding: "[training]\nrecompute = true\n").isEmpty)
    }

    @Test func tailAverageTakesEveryShareFromNoneToAll() throws {
        for value in ["0", "1", "0.25", "1.0"] {
            #expect(try problems(adding: "[training]\ntail_average = \(value)\n").isEmpty, "tail_average = \(value)")
        }
        for value in ["-0.1", "1.5"] {
            #expect(try problems(adding: "[training]\ntail_average = \(value)\n").about("training.tail_average")?.message
                == "\(value) is out of range")
        }
    }

    @Test func dataPathsMustStayInsideTheBundle() throws {
        let problems = try problems(adding: "[data]\ntrain = \"../outside.jsonl\"\ndev = \"/etc/passwd\"\n")
        #expect(problems.map(\.description) == [
            "task.toml:10: data.train: \"../outside.jsonl\" has a .. component (paths are relative to the bundle and stay inside it)",
            "task.toml:11: data.dev: \"/etc/passwd\" is an absolute path (paths are relative to the bundle and stay inside it)",
        ])
    }
}
