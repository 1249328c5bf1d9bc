import Foundation
import LM
@testable import PTuning
import Tensor
import TestSupport

/// Synthetic runs for the output tests: two seeds, a few loss points, dev and test metrics.
enum OutputFixtures {
    static let config = DecoderConfig(architecture: .llama, vocabSize: 100, hiddenSize: 4, layerCount: 2, headCount: 2,
                                      kvHeadCount: 1, headDim: 2, ffnSize: 8, rmsNormEps: 1e-5, ropeTheta: 10_000,
                                      rotaryLayout: .halfSplit, attentionBias: false, tiedOutput: true, contextLength: 64)

    static func spec(name: String = "sentiment", kind: any TaskKind = ClassifyKind(labels: [LabelWord(label: "0", word: "bad"),
                                                                                      LabelWord(label: "1", word: "great")]),
                     template: Template = Template(parts: [.pseudo(count: 2), .field("sentence"), .text(" It was"), .target],
                                                   source: "[P*2]{sentence} It was{target}")) -> TaskSpec {
        var training = TrainingSettings()
        training.seeds = [13, 21]
        training.learningRate = 1e-4
        training.maxLength = 128
        return TaskSpec(name: name, kind: kind, template: template, labelField: "label",
                        encoder: EncoderSettings(kind: .lstm, hiddenSize: 0), training: training)
    }

    static func seed(_ seed: UInt64, accuracies: (dev: Double, test: Double), f1: Double, losses: [Double]) -> SeedResult {
        let loss = losses.enumerated().map { LossPoint(step: $0.offset + 1, epoch: $0.offset / 3, loss: $0.element, learningRate: 1e-4) }
        let devCurve = [DevPoint(step: 3, metrics: Metrics(count: 10, accuracy: accuracies.dev - 0.1, macroF1: f1 - 0.1)),
                        DevPoint(step: losses.count, metrics: Metrics(count: 10, accuracy: accuracies.dev, macroF1: f1))]
        return SeedResult(seed: seed, steps: losses.count, stoppedEarly: false, bestStep: losses.count,
                          dev: Metrics(count: 10, accuracy: accuracies.dev, macroF1: f1),
                          test: Metrics(count: 20, accuracy: accuracies.test, macroF1: f1),
                          lossCurve: loss, devCurve: devCurve, trainTokensPerSecond: 1000, trainSeconds: 12, evalSeconds: 2)
    }

    static let baselines = Baselines(
        majority: .init(description: "1", dev: Metrics(count: 10, accuracy: 0.5), test: Metrics(count: 20, accuracy: 0.55)),
        manual: .init(description: "{sentence} It was{target}", dev: Metrics(count: 10, accuracy: 0.6, macroF1: 0.58),
                      test: Metrics(count: 20, accuracy: 0.65, macroF1: 0.6)))

    static func outcome(settings: TrainingSettings = spec().training) -> TrainingOutcome {
        TrainingOutcome(seeds: [seed(13, accuracies: (0.8, 0.75), f1: 0.7, losses: [0.9, 0.8, 0.7, 0.6, 0.55, 0.5]),
                                seed(21, accuracies: (0.9, 0.85), f1: 0.8, losses: [1.0, 0.85, 0.6, 0.5, 0.45, 0.4])],
                        table: FloatBuffer((0..<8).map { Float($0) * 0.25 - 1 }), bestSeed: 21, baselines: baselines,
                        settings: settings, data: DataSummary(train: 40, dev: 10, test: 20, devSource: .carved))
    }

    static func context(spec: TaskSpec = spec()) -> RunContext {
        RunContext(spec: spec, model: ModelIdentity(name: "tiny-llama", path: "/models/tiny.gguf",
                                                    sha256: String(repeating: "ab", count: 32), config: config),
                   bundle: BundleIdentity(name: "sst2", sha256: String(repeating: "cd", count: 32)), jobID: "job-1",
                   targetPrefix: " ", answerTokens: [7, 9],
                   startedAt: Date(timeIntervalSince1970: 1_700_000_000), finishedAt: Date(timeIntervalSince1970: 1_700_000_030),
                   threads: 2, peakRSSMegabytes: 512.5)
    }

    /// A fresh empty folder under the temporary directory.
    static func folder() throws -> URL {
        TestEnvironment.temporaryDirectory("ptune-outputs")
    }
}
