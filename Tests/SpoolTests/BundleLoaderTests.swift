import Base
import Foundation
import PTuning
@testable import Spool
import TestSupport
import Testing

@Suite struct BundleLoaderTests {
    @Test func loadsAManifestWithEveryKey() throws {
        let fixture = try BundleFixture()
        try fixture.write("task.toml", BundleFixture.everyKeyManifest)
        let header = "premise\thypothesis\tgold\n"
        try fixture.write("data/train.tsv", header + "A cat sat.\tA cat is sitting.\tentailment\nIt rained.\tIt was dry.\tnot_entailment\n")
        try fixture.write("data/dev.tsv", header + "He ran.\tHe moved.\tentailment\n")
        try fixture.write("data/test.tsv", header + "She slept.\tShe was awake.\tnot_entailment\n")

        let bundle = try fixture.load()
        let manifest = bundle.manifest
        #expect(manifest.schema == 1)
        #expect(manifest.name == "rte-full.v1")
        #expect(manifest.model == "models/SmolLM2-135M-Instruct.Q4_1.gguf")
        #expect(manifest.data == DataFiles(train: "data/train.tsv", dev: "data/dev.tsv", test: "data/test.tsv", format: .tsv))
        #expect(manifest.limits == JobLimits(threads: 1, memoryMB: 2048, wallTimeSeconds: 5400, priority: 5))
        let spec = manifest.spec
        #expect(spec.name == "rte-full.v1")
        #expect(spec.labelField == "gold")
        #expect(spec.kind.isSame(as: ClassifyKind(labels: [LabelWord(label: "entailment", word: "Yes"),
                                                LabelWord(label: "not_entailment", word: "No")])))
        #expect(spec.template.pseudoTokenCount == 9)
        #expect(spec.encoder == EncoderSettings(kind: .mlp, hiddenSize: 512))
        var training = TrainingSettings()
        training.epochs = 5
        training.maxSteps = 300
        training.batchSize = 4
        training.evalBatchSize = 32
        training.learningRate = 3e-5
        training.weightDecay = 0.01
        training.optimizer = .adam
        training.schedule = .epochDecay
        training.warmupSteps = 10
        training.epochDecay = 0.9
        training.clipNorm = nil
        training.seeds = [13, 21, 42]
        training.evalEvery = 50
        training.patience = 3
        training.checkpointEvery = 100
        training.maxLength = 512
        training.precision = .bf16
        training.tailAverage = 0.5
        #expect(spec.training == training)
        #expect(bundle.train.count == 2)
        #expect(bundle.train[1] == Example(fields: ["premise": "It rained.", "hypothesis": "It was dry.", "gold": "not_entailment"],
                                           source: "data/train.tsv:3"))
        #expect(bundle.dev.map(\.source) == ["data/dev.tsv:2"])
        #expect(bundle.test.map(\.source) == ["data/test.tsv:2"])
        #expect(bundle.root == fixture.root.resolvingSymlinksInPath())
    }

    @Test func fillsInDefaults() throws {
        let fixture = try BundleFixture.sentiment()
        let bundle = try fixture.load()
        #expect(bundle.manifest.schema == 1)
        #expect(bundle.manifest.data == DataFiles(train: "train.jsonl", dev: nil, test: nil, format: .jsonl))
        #expect(bundle.manifest.limits == JobLimits(threads: 2, memoryMB: 4096, wallTimeSeconds: 21_600, priority: 0))
        #expect(bundle.manifest.spec.labelField == "label")
        #expect(bundle.manifest.spec.encoder == EncoderSettings(kind: .none, hiddenSize: 0, initText: nil))
        #expect(bundle.manifest.spec.training == TrainingSettings())
        #expect(bundle.manifest.spec.training.automatic == Set(AutomaticSetting.allCases))
        #expect(bundle.manifest.spec.manualTemplate == nil)
        #expect(bundle.manifest.data.devFraction == DevSplit.defaultFraction)
        #expect(bundle.train.map(\.fields) == [["sentence": "a joy to watch", "label": "1"],
                                               ["sentence": "dull and long", "label": "0"]])
        #expect(bundle.dev.isEmpty && bundle.test.isEmpty)
    }

    @Test func usesDefaultDevAndTestFilesWhenTheyExist() throws {
        let fixture = try BundleFixture.sentiment()
        try fixture.write("dev.jsonl", "{\"sentence\": \"fine\", \"label\": 1}\n")
        let bundle = try fixture.load()
        #expect(bundle.manifest.data.dev == "dev.jsonl")
        #expect(bundle.manifest.data.test == nil)
        #expect(bundle.dev.map(\.source) == ["dev.jsonl:1"])
    }

    @Test func aNamedSplitMustExist() throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + "[data]\ndev = \"valid.jsonl\"\n")
        let problems = fixture.problems()
        #expect(problems.map(\.description) == ["valid.jsonl: \"valid.jsonl\" not found"])
    }

    @Test func inferTSVFromTheTrainFileName() throws {
        let fixture = try BundleFixture.sentiment(manifest: BundleFixture.sentimentManifest + "[data]\ntrain = \"train.tsv\"\n")
        try fixture.write("train.tsv", "sentence\tlabel\nfine\t1\n")
        let bundle = try fixture.load()
        #expect(bundle.manifest.data.format == .tsv)
        #expect(bundle.train.map(\.fields) == [["sentence": "fine", "label": "1"]])
    }

    @Test func anEmptyTrainSplitIsAnError() throws {
        let fixture = try BundleFixture.sentiment()
        try fixture.write("train.jsonl", "\n\n")
        #expect(fixture.problems().map(\.description) == [
            "train.jsonl: the train split has no records (training needs at least one labelled record)",
        ])
    }

    /// An empty dev file would leave the run without dev records (and no carved split) unnoticed.
    @Test func anEmptyDevOrTestSplitIsAnErrorSayingWhatToDo() throws {
        let fixture = try BundleFixture.sentiment()
        try fixture.write("dev.jsonl", "\n")
        try fixture.write("test.jsonl", "")
        #expect(fixture.problems().map(\.description) == [
            "dev.jsonl: the dev split has no records (fill it, or remove it: without a dev file ptune carves dev records from train or cross-validates ([data]))",
            "test.jsonl: the test split has no records (fill it, or remove it: a test split is optional)",
        ])
    }

    @Test func aMissingTrainFileIsAnError() throws {
        let fixture = try BundleFixture.sentiment()
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("train.jsonl"))
        #expect(fixture.problems().map(\.description) == ["train.jsonl: \"train.jsonl\" not found"])
    }

    @Test func aMissingManifestIsAnError() throws {
        let fixture = try BundleFixture()
        #expect(fixture.problems().map(\.description) == ["task.toml: \"task.toml\" not found"])
    }

    @Test func aMissingFolderIsAnError() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)")
        #expect(throws: TaskProblems.self) { try BundleLoader.load(directory: url) }
    }

    @Test func tomlSyntaxErrorsGiveLineAndColumn() throws {
        let fixture = try BundleFixture.sentiment(manifest: "name = \"x\"\nmodel = \n")
        let problems = fixture.problems()
        #expect(problems.count == 1)
        #expect(problems.first?.line == 2)
        #expect(problems.first?.message.hasPrefix("TOML syntax: ") == true)
        #expect(problems.first?.hint?.hasPrefix("column ") == true)
    }

    @Test func reportsManifestAndDataProblemsTogether() throws {
        let fixture = try BundleFixture.sentiment(manifest: """
            name = "sst2"
            model = "m.gguf"
            kind = "classify"
            template = "[P*3] {sentence} It was{target}"
            colour = "blue"

            [labels]
            "1" = "great"
            "0" = "terrible"

            [training]
            lerning_rate = 0.1
            batch_size = 0

            """)
        try fixture.write("train.jsonl", """
            {"sentence": "fine", "label": 1}
            {"sentense": "typo", "label": 0}
            {"sentence": "what", "label": 2}
            not json

            """)
        let problems = fixture.problems()
        #expect(problems.map(\.description) == [
            "task.toml:5: colour: unknown key (valid keys: schema, name, model, kind, template, manual_template, bos, data, labels, fill, choice, encoder, training, limits, search, after, after_any, notify)",
            "task.toml:12: training.lerning_rate: unknown key (did you mean learning_rate?; valid keys: \(ManifestKeys.training.joined(separator: ", ")))",
            "task.toml:13: training.batch_size: 0 is out of range (allowed: 1...65536)",
            "train.jsonl:4: not valid JSON (each line must be one JSON object, e.g. {\"sentence\": \"...\", \"label\": 1})",
            "train.jsonl:2: sentence: missing (did you mean sentense? this record has: label, sentense)",
            "train.jsonl:3: label: label \"2\" has no label word (known labels: 0, 1; add it to [labels])",
        ])
    }

    @Test func capsRepeatedProblemsPerFile() throws {
        let fixture = try BundleFixture.sentiment()
        let lines = (0..<25).map { _ in "{\"text\": \"x\", \"label\": 1}" }
        try fixture.write("train.jsonl", lines.joined(separator: "\n"))
        var limits = BundleLoader.Limits()
        limits.problemsPerKind = 3
        let problems = fixture.problems(limits: limits)
        #expect(problems.map(\.line) == [1, 2, 3, nil])
        #expect(problems.last?.description == "train.jsonl: sentence: ... and 22 more like this")
    }

    @Test func enforcesFileAndLineSizeCaps() throws {
        let fixture = try BundleFixture.sentiment()
        var limits = BundleLoader.Limits()
        limits.maxLineBytes = 41
        let problems = fixture.problems(limits: limits)
        #expect(problems.map(\.description) == ["train.jsonl:1: line is 42 bytes; the limit is 41 bytes"])
        limits.maxDataFileBytes = 50
        #expect(fixture.problems(limits: limits).map(\.description) == [
            "train.jsonl: \"train.jsonl\" is 85 bytes; the limit is 50 bytes",
        ])
    }

    @Test func loadsFillCandidatesFromAFile() throws {
        let fixture = try BundleFixture()
        try fixture.write("task.toml", """
            name = "p19"
            model = "m.gguf"
            kind = "fill"
            template = "[P*3] {sub_label} [P*3]{target}"
            [data]
            label_field = "obj_label"
            [fill]
            candidates_file = "vocab.txt"
            """)
        try fixture.write("vocab.txt", "Paris\n\n London \n")
        try fixture.write("train.jsonl", "{\"sub_label\": \"Victor Hugo\", \"obj_label\": \"Paris\", \"evidences\": [{\"a\": 1}]}\n"
                              + "{\"sub_label\": \"Someone\", \"obj_label\": \"Rome\"}\n")
        #expect(fixture.problems().map(\.description) == [
            "train.jsonl:2: obj_label: target \"Rome\" is not among the candidates (add it to [fill] candidates or drop the record)",
        ])
        try fixture.write("train.jsonl", "{\"sub_label\": \"Victor Hugo\", \"obj_label\": \"Paris\"}\n")
        let bundle = try fixture.load()
        #expect(bundle.manifest.spec.kind.isSame(as: FillKind(candidates: ["Paris", "London"])))
    }

    @Test func loadsAChoiceTask() throws {
        let fixture = try BundleFixture()
        try fixture.write("task.toml", """
            name = "copa"
            model = "m.gguf"
            kind = "choice"
            template = "[P*2] {premise} What was the {question}? [P*2]{target}"
            [choice]
            fields = ["choice1", "choice2"]
            margin = 0.5
            """)
        try fixture.write("train.jsonl", """
            {"premise": "p", "choice1": "a", "choice2": "b", "question": "cause", "label": 1}
            {"premise": "p", "choice1": "a", "choice2": "b", "question": "cause", "label": 2}
            {"premise": "p", "choice1": "a", "question": "cause", "label": 0}
            """)
        #expect(fixture.problems().map(\.description) == [
            "train.jsonl:2: label: label \"2\" is not an option index (expected 0...1, the position in [choice] fields (choice1, choice2))",
            "train.jsonl:3: choice2: missing (did you mean choice1? this record has: choice1, label, premise, question)",
        ])
        try fixture.write("train.jsonl", "{\"premise\": \"p\", \"choice1\": \"a\", \"choice2\": \"b\", \"question\": \"cause\", \"label\": 1}\n")
        #expect(try fixture.load().manifest.spec.kind.isSame(as: ChoiceKind(fields: ["choice1", "choice2"], margin: 0.5)))
    }

    @Test(.enabled(if: TestEnvironment.shared != nil, "needs ../shared/data beside the clone"))
    func loadsTheSharedDataShapes() throws {
        let data = try #require(TestEnvironment.shared).appendingPathComponent("data")
        let cases: [(files: [String: String], manifest: String, train: Int)] = [
            (["train.tsv": "sst2/train.tsv", "dev.tsv": "sst2/dev.tsv", "test.tsv": "sst2/test.tsv"], """
                kind = "classify"
                template = "[P*3] {sentence} [P*3] It was{target}"
                [data]
                format = "tsv"
                [labels]
                "1" = "great"
                "0" = "terrible"
                """, 60_614),
            (["train.jsonl": "fewglue/RTE/train.jsonl", "dev.jsonl": "fewglue/RTE/dev32.jsonl"], """
                kind = "classify"
                template = "[P*3] {premise} ? [P*3] {hypothesis} [P*3] Answer:{target}"
                [labels]
                entailment = "Yes"
                not_entailment = "No"
                """, 32),
            (["train.jsonl": "fewglue/CB/train.jsonl", "test.jsonl": "fewglue/CB/val.jsonl"], """
                kind = "classify"
                template = "[P*3] {premise} ? [P*3] {hypothesis} [P*3] Answer:{target}"
                [labels]
                entailment = "Yes"
                contradiction = "No"
                neutral = "Maybe"
                """, 32),
            (["train.jsonl": "fewglue/COPA/train.jsonl"], """
                kind = "choice"
                template = "[P*3] {premise} What was the {question}? [P*3]{target}"
                [choice]
                fields = ["choice1", "choice2"]
                """, 32),
            (["train.jsonl": "lama/fact-retrieval/original/P19/train.jsonl"], """
                kind = "fill"
                template = "[P*3] {sub_label} [P*3]{target}"
                [data]
                label_field = "obj_label"
                """, -1),
        ]
        for (files, manifest, trainCount) in cases {
            let fixture = try BundleFixture()
            try fixture.write("task.toml", "name = \"shared\"\nmodel = \"m.gguf\"\n" + manifest)
            for (name, source) in files {
                try FileManager.default.copyItem(at: data.appendingPathComponent(source),
                                                 to: fixture.root.appendingPathComponent(name))
            }
            let bundle = try fixture.load()
            #expect(trainCount < 0 ? !bundle.train.isEmpty : bundle.train.count == trainCount, "\(files)")
            #expect(bundle.dev.isEmpty == !files.keys.contains { $0.hasPrefix("dev.") }, "\(files)")
            #expect(bundle.test.isEmpty == !files.keys.contains { $0.hasPrefix("test.") }, "\(files)")
        }
    }
}
