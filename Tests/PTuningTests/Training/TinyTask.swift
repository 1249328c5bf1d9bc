import Foundation
import LM
import PTuning
import TestSupport

/// Small tasks on the tiny random model: enough to exercise every code path of training quickly.
enum TinyTask {
    static let modelPath: String = try! TinyModelFolder.write(to: TestEnvironment.temporaryDirectory("ptune-tiny-model"))

    static let bosModelPath: String = try! TinyModelFolder.write(to: TestEnvironment.temporaryDirectory("ptune-tiny-bos-model"),
                                                                 addsBOS: true)

    /// A model of its own for each caller: a transformer runs one pass at a time, and tests run in parallel.
    static func model() throws -> LanguageModel { try LanguageModel.load(path: modelPath) }

    /// The same model, its tokenizer asking for a BOS token before every text (as Gemma's does).
    static func bosModel() throws -> LanguageModel { try LanguageModel.load(path: bosModelPath) }

    static func classifySpec(encoder: EncoderKind = .lstm, steps: Int = 6) -> TaskSpec {
        var training = TrainingSettings()
        training.maxSteps = steps
        training.batchSize = 4
        training.evalEvery = 2
        training.learningRate = 3e-2
        training.seeds = [3]
        return TaskSpec(name: "tiny", kind: ClassifyKind(labels: [LabelWord(label: "1", word: "great"),
                                                               LabelWord(label: "0", word: "bad")]),
                        template: try! Template.parse("[P*2] {text} [P] It was {target}"), labelField: "label",
                        encoder: EncoderSettings(kind: encoder, hiddenSize: 8), training: training)
    }

    static func examples(_ n: Int, file: String) -> [Example] {
        (0..<n).map { i in
            let positive = i % 2 == 0
            return Example(fields: ["text": positive ? "the film is great fun \(i)" : "the plot is bad \(i)",
                                    "label": positive ? "1" : "0"], source: "\(file):\(i + 1)")
        }
    }

    static func data(_ encoder: ExampleEncoder) throws -> TrainingData {
        TrainingData(train: try encoder.encode(examples(12, file: "train.jsonl")),
                     dev: try encoder.encode(examples(6, file: "dev.jsonl")),
                     test: try encoder.encode(examples(6, file: "test.jsonl")))
    }

    /// Trains `data` with checkpoints in `checkpoints` (none when nil), asking to stop once `stopAfter`
    /// steps have run in this call, passing every event to `events`.
    static func train(_ model: LanguageModel, _ encoder: ExampleEncoder, _ data: TrainingData, checkpoints: URL?,
                      stopAfter: Int?, events: ((TrainingEvent) -> Void)?) throws -> TrainingOutcome {
        var steps = 0
        let trainer = Trainer(model: model, encoder: encoder, data: data,
                              checkpoints: try checkpoints.map { try CheckpointStore(directory: $0) }) { event in
            if case .step = event { steps += 1 }
            events?(event)
        }
        if let stopAfter { trainer.stopRequested = { steps >= stopAfter } }
        return try trainer.run()
    }
}

extension SeedResult {
    /// This result with its wall-clock figures zeroed: everything else must repeat exactly.
    var withoutTimings: SeedResult {
        var r = self
        r.trainSeconds = 0
        r.evalSeconds = 0
        r.trainTokensPerSecond = 0
        return r
    }
}
