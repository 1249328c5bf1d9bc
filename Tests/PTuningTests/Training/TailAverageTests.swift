import Foundation
import LM
@testable import PTuning
import Tensor
import TestSupport
import Testing

/// A run without a dev split keeps the mean of its last steps' tables (`TrainingSettings.tailAverage`).
struct TailAverageTests {
    /// `spec` trained on the tiny task, without its dev split unless `withDev`.
    func run(_ spec: TaskSpec, withDev: Bool = false, checkpoints: URL? = nil, stopAfter: Int? = nil) throws -> TrainingOutcome {
        let model = try TinyTask.model()
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let data = try TinyTask.data(encoder)
        return try TinyTask.train(model, encoder, withDev ? data : TrainingData(train: data.train, dev: [], test: data.test),
                                  checkpoints: checkpoints, stopAfter: stopAfter, events: nil)
    }

    func tailAveraged(encoder: EncoderKind, steps: Int, tailAverage: Double) -> TaskSpec {
        var spec = TinyTask.classifySpec(encoder: encoder, steps: steps)
        spec.training.tailAverage = tailAverage
        return spec
    }

    @Test func withoutADevSplitTheKeptPromptIsTheMeanOfTheLastStepsTables() throws {
        let averaged = try run(tailAveraged(encoder: .none, steps: 6, tailAverage: 0.5))
        let seed = try #require(averaged.seeds.first)
        #expect(seed.averagedSteps == 3 && seed.bestStep == 6)
        let lastTables = try (4...6).map { try run(tailAveraged(encoder: .none, steps: $0, tailAverage: 0)) }
        #expect(lastTables.map { $0.seeds.first?.averagedSteps } == [nil, nil, nil])
        let tables = lastTables.map(\.table.array)
        let mean = tables[0].indices.map { i in tables.map { $0[i] }.reduce(0, +) / 3 }
        let furthest = zip(averaged.table.array, mean).map { abs($0 - $1) }.max() ?? .infinity
        #expect(furthest < 1e-5, "largest difference from the mean of steps 4-6: \(furthest)")
        let moved = zip(averaged.table.array, tables[2]).map { abs($0 - $1) }.max() ?? 0
        #expect(moved > 1e-3, "the mean is the last step's table: the steps did not move it")
    }

    @Test func aRunWithADevSplitKeepsItsBestEvaluationsTableUnaveraged() throws {
        let kept = try run(tailAveraged(encoder: .none, steps: 6, tailAverage: 0), withDev: true)
        let averaging = try run(tailAveraged(encoder: .none, steps: 6, tailAverage: 1), withDev: true)
        #expect(averaging.seeds.map { $0.averagedSteps } == [nil])
        #expect(averaging.table.array == kept.table.array)
    }

    @Test func aRunStoppedInItsAveragedStepsResumesToTheSameMean() throws {
        let spec = tailAveraged(encoder: .lstm, steps: 8, tailAverage: 0.5)
        let straight = try run(spec, checkpoints: TestEnvironment.temporaryDirectory())
        let directory = TestEnvironment.temporaryDirectory()
        #expect(throws: TrainingInterrupted.self) { try run(spec, checkpoints: directory, stopAfter: 6) }
        let resumed = try run(spec, checkpoints: directory)
        #expect(straight.seeds.first?.averagedSteps == 4)
        #expect(resumed.seeds.map(\.withoutTimings) == straight.seeds.map(\.withoutTimings))
        #expect(resumed.table.array == straight.table.array)
    }
}
