import Foundation
import LM
@testable import PTuning
import Tensor
import TestSupport
import Testing

struct TrainerTests {
    func run(_ spec: TaskSpec, checkpoints: URL? = nil, stopAfter: Int? = nil) throws -> TrainingOutcome {
        let model = try TinyTask.model()
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        return try TinyTask.train(model, encoder, try TinyTask.data(encoder), checkpoints: checkpoints, stopAfter: stopAfter,
                                  events: nil)
    }

    @Test(arguments: [EncoderKind.lstm, .mlp, .none])
    func sameSeedGivesTheSameResultsBitForBit(_ kind: EncoderKind) throws {
        let a = try run(TinyTask.classifySpec(encoder: kind))
        let b = try run(TinyTask.classifySpec(encoder: kind))
        #expect(a.seeds.map(\.withoutTimings) == b.seeds.map(\.withoutTimings))
        #expect(a.table.array == b.table.array)
    }

    @Test func trainingLowersTheLoss() throws {
        var spec = TinyTask.classifySpec(encoder: .mlp, steps: 30)
        spec.training.evalEvery = 0
        let outcome = try run(spec)
        let curve = try #require(outcome.seeds.first?.lossCurve)
        let first = curve.prefix(3).map(\.loss).reduce(0, +), last = curve.suffix(3).map(\.loss).reduce(0, +)
        #expect(last < first, "loss \(first / 3) -> \(last / 3)")
    }

    @Test func aStoppedAndResumedRunEndsExactlyLikeAnUninterruptedOne() throws {
        let spec = TinyTask.classifySpec(encoder: .lstm, steps: 7)
        let straight = try run(spec, checkpoints: TestEnvironment.temporaryDirectory())
        let directory = TestEnvironment.temporaryDirectory()
        #expect(throws: TrainingInterrupted.self) { try run(spec, checkpoints: directory, stopAfter: 3) }
        let resumed = try run(spec, checkpoints: directory)
        #expect(resumed.seeds.map(\.withoutTimings) == straight.seeds.map(\.withoutTimings))
        #expect(resumed.table.array == straight.table.array)
    }

    @Test func aResumedRunChoosesTheSameDefaultsAndEndsTheSame() throws {
        var spec = TinyTask.classifySpec(encoder: .none)
        spec.training = TrainingSettings()
        spec.training.batchSize = 4
        spec.training.seeds = [3, 4]
        let straight = try run(spec, checkpoints: TestEnvironment.temporaryDirectory())
        let directory = TestEnvironment.temporaryDirectory()
        #expect(throws: TrainingInterrupted.self) { try run(spec, checkpoints: directory, stopAfter: 250) }
        let resumed = try run(spec, checkpoints: directory)
        #expect(resumed.settings == straight.settings)
        #expect(resumed.seeds.map(\.withoutTimings) == straight.seeds.map(\.withoutTimings))
        #expect(resumed.table.array == straight.table.array)
    }

    @Test func aNoneTableStartsFromTheGivenTokensRepeated() throws {
        var spec = TinyTask.classifySpec(encoder: .none, steps: 1)
        spec.training.learningRate = 0
        spec.encoder.initTokenIDs = [40, 7]
        let fromIDs = try run(spec).table
        let transformer = try TinyTask.model().transformer
        let H = fromIDs.count / 3
        let row = FloatBuffer(count: H)
        let expected = [40, 7, 40].flatMap { id in
            transformer.tokenEmbedding(id, into: row.pointer)
            return row.array
        }
        #expect(fromIDs.array == expected)

        let text = "great fun"
        spec.encoder.initTokenIDs = try TinyTask.model().tokenizer.encode(text, parseSpecial: false)
        let fromTheseIDs = try run(spec).table
        spec.encoder.initTokenIDs = nil
        spec.encoder.initText = text
        #expect(try run(spec).table.array == fromTheseIDs.array)
    }

    @Test func severalSeedsEachRunAndTheBestIsKept() throws {
        var spec = TinyTask.classifySpec(encoder: .none, steps: 2)
        spec.training.seeds = [1, 2, 3]
        let outcome = try run(spec)
        #expect(outcome.seeds.map(\.seed) == [1, 2, 3])
        let sound = outcome.seeds.filter(\.warnings.isEmpty)
        let best = (sound.isEmpty ? outcome.seeds : sound).max { try! #require($0.dev).score < #require($1.dev).score }
        #expect(outcome.bestSeed == best?.seed)
    }

    @Test func eachSeedKeepsItsFirstEvaluationAtTheBestAccuracyThenLogLoss() throws {
        var spec = TinyTask.classifySpec(encoder: .mlp, steps: 12)
        spec.training.evalEvery = 1
        spec.training.seeds = [1, 2]
        for seed in try run(spec).seeds {
            let scores = seed.devCurve.map(\.metrics.score)
            #expect(scores.allSatisfy { $0.logLoss != nil })
            let best = try #require(scores.max())
            #expect(seed.bestStep == seed.devCurve.first { $0.metrics.score == best }?.step)
            #expect(seed.dev?.score == best)
        }
    }

    @Test func theBaselinesAreMeasuredOnTheSameRecords() throws {
        let model = try TinyTask.model()
        let spec = TinyTask.classifySpec(encoder: .none, steps: 2)
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        var manualSpec = spec
        manualSpec.template = spec.baselineTemplate
        let manualEncoder = try ExampleEncoder(spec: manualSpec, tokenizer: model.tokenizer)
        var data = try TinyTask.data(encoder)
        data.manual = ManualTemplateData(encoder: manualEncoder, dev: try manualEncoder.encode(TinyTask.examples(6, file: "dev.jsonl")),
                                         test: try manualEncoder.encode(TinyTask.examples(6, file: "test.jsonl")))
        let outcome = try Trainer(model: model, encoder: encoder, data: data, checkpoints: nil).run()
        // Training alternates its labels 6 and 6: the tie goes to the first label, "1", right on half of dev.
        #expect(outcome.baselines.majority.description == "1")
        #expect(outcome.baselines.majority.dev == Metrics(count: 6, accuracy: 0.5))
        #expect(outcome.baselines.manual.description == "{text} It was {target}")
        #expect(outcome.baselines.manual.dev?.count == 6)
        #expect(outcome.baselines.manual.test?.count == 6)
        #expect(outcome.data == DataSummary(train: 12, dev: 6, test: 6, devSource: .file))
    }

    @Test func aRunOfTheDefaultsChoosesItsStepsSeedsAndEvaluations() throws {
        var spec = TinyTask.classifySpec(encoder: .none)
        spec.training = TrainingSettings()
        spec.training.batchSize = 4
        let model = try TinyTask.model()
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let trainer = Trainer(model: model, encoder: encoder, data: try TinyTask.data(encoder), checkpoints: nil)
        #expect(trainer.settings.maxSteps == TrainingDefaults.minimumSteps)
        #expect(trainer.settings.seeds == TrainingDefaults.seeds(stepsPerSeed: TrainingDefaults.minimumSteps))
        #expect(trainer.settings.evalEvery == TrainingDefaults.minimumSteps / TrainingDefaults.evaluationsPerSeed)
        #expect(trainer.totalSteps == TrainingDefaults.minimumSteps)
    }
}
