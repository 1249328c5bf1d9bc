import Base
import Foundation
import LM
import PTuning
import Tensor

/// Times training steps and forward passes of a P-tuning-shaped batch, and sgemm on this machine.
///
/// A training step is `PromptStep`, the step `ptune train` takes per batch: the prompt encoder's
/// forward pass makes the virtual tokens' table, the model runs forward and backward to it, then
/// the encoder's backward pass, gradient clipping and the optimizer's update, with the training
/// defaults. A forward pass is the encoder's and the model's.
public struct Benchmark {
    public let model: LanguageModel
    public let batch: Int
    public let seq: Int
    public let virtual: Int
    public let encoder: EncoderSettings
    public let seconds: Double
    public let progress: ((String) -> Void)?
    /// Whether `run` measures OpenBLAS's sgemm on its own threads; measuring it gives OpenBLAS its own
    /// threads for a moment, which products run at the same moment elsewhere in the process (by tests
    /// running beside it) must not meet.
    public let measuresSGEMM: Bool

    /// `batch` sequences of `virtual` prompt rows and `seq` tokens; each measurement runs about
    /// `seconds` (forward passes half as long); `progress` gets a line before each.
    public init(model: LanguageModel, batch: Int, seq: Int, virtual: Int, encoder: EncoderSettings, seconds: Double,
                progress: ((String) -> Void)?, measuresSGEMM: Bool = true) {
        self.model = model
        self.batch = batch
        self.seq = seq
        self.virtual = virtual
        self.encoder = encoder
        self.seconds = seconds
        self.progress = progress
        self.measuresSGEMM = measuresSGEMM
    }

    /// The figures of one run, printed as a table or JSON.
    public struct Report: Encodable {
        public let system = "ptune"
        public let model: String
        public let precision: String
        /// What multiplied the weight matrices (`Precision.kernel`).
        public let kernel: String
        public let recompute: Bool
        public let threads: Int
        public let batch: Int
        public let seq: Int
        public let virtual: Int
        public let encoder: String
        /// The encoder's hidden size as `[encoder] hidden_size` counts it.
        public let encoder_hidden: Int
        /// The encoder's share of a training step: its forward, backward, clipping and update.
        public let encoder_ms: Double
        public let encoder_share: Double
        /// The encoder's milliseconds per step by phase (`PromptStep.EncoderSeconds`).
        public let encoder_forward_ms: Double
        public let encoder_backward_ms: Double
        public let encoder_clipping_ms: Double
        public let encoder_update_ms: Double
        /// Rows computed per step: the virtual tokens the sequences begin with are computed once.
        public let rows: Int
        public let train_step_ms: Double
        public let train_tokens_per_s: Double
        public let train_gflops: Double
        public let forward_tokens_per_s: Double
        public let forward_gflops: Double
        /// The block projections (the GEMM-bound part) during the forward+backward steps, with the norms
        /// and the gate that make their operands as they run (`ProjectionMeter`).
        public let projection_gflops: Double
        public let projection_share: Double
        /// Nil when not measured (`measuresSGEMM`).
        public let sgemm_gflops: Double?
        /// The model's weights in memory and their bytes per weight.
        public let weights_mb: Double
        public let bytes_per_weight: Double
        public let peak_rss_mb: Double

        public var table: String {
            """
            model            \(model)
            shape            batch \(batch) x (\(virtual) virtual + \(seq) tokens), \(threads) threads, \(precision) weights (\(kernel))\(recompute ? ", activations recomputed" : "")
            rows computed    \(rows) of \(batch * (virtual + seq)) (the virtual tokens every sequence begins with once)
            prompt encoder   \(encoder)\(encoder == "none" ? "" : " (hidden \(encoder_hidden))"): \(format(encoder_ms)) ms per step, \(percent(encoder_share)) of it\(encoder == "none" ? "" : encoderPhases)
            forward          \(format(forward_tokens_per_s)) tokens/s   \(format(forward_gflops)) GFLOP/s
            forward+backward \(format(train_tokens_per_s)) tokens/s   \(format(train_gflops)) GFLOP/s   (\(format(train_step_ms)) ms/step)
            projections      \(format(projection_gflops)) GFLOP/s   (\(sgemm_gflops.map { percent(projection_gflops / $0) + " of sgemm; " } ?? "")\(percent(projection_share)) of the step's time)
            machine sgemm    \(sgemm_gflops.map { format($0) + " GFLOP/s" } ?? "not measured")
            weights          \(format(weights_mb)) MB   (\(String(format: "%.2f", bytes_per_weight)) bytes per weight)
            peak RSS         \(format(peak_rss_mb)) MB
            """
        }

        /// The encoder's phases for the table: " (forward F, backward B, clipping C, update U ms)".
        private var encoderPhases: String {
            let phases = [("forward", encoder_forward_ms), ("backward", encoder_backward_ms),
                          ("clipping", encoder_clipping_ms), ("update", encoder_update_ms)]
            return " (" + phases.map { "\($0) " + String(format: "%.1f", $1) }.joined(separator: ", ") + " ms)"
        }

        private func format(_ v: Double) -> String { String(format: "%8.1f", v) }
        private func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }
    }

    /// The synthetic batch: `batch` sequences of `virtual` prompt rows then `seq` random tokens, each
    /// scored at its last position against a random target.
    struct Workload {
        let sequences: [[DecoderInput]]
        let positions: [LogitPosition]
        let targets: [Int]
        var shape: DecoderBatch { DecoderBatch(sequences: sequences) }
    }

    func workload(_ rng: inout SeededGenerator) -> Workload {
        let vocabulary = model.transformer.config.vocabSize
        let tokens = (0..<batch).map { _ in
            (0..<seq).map { _ in DecoderInput.token(100 + Int(rng.next() % UInt64(vocabulary - 200))) }
        }
        return Workload(sequences: tokens.map { (0..<virtual).map { DecoderInput.embedding($0) } + $0 },
                        positions: (0..<batch).map { LogitPosition(sequence: $0, position: virtual + seq - 1) },
                        targets: (0..<batch).map { _ in Int(rng.next() % UInt64(vocabulary)) })
    }

    /// The training step of `ptune train` (`PromptStep`) with the default optimizer, weight decay,
    /// clipping and learning rate.
    private func trainingStep(_ rng: inout SeededGenerator) -> PromptStep {
        let training = TrainingSettings()
        let H = model.transformer.config.hiddenSize
        let prompt = makePromptEncoder(settings: encoder, count: virtual, width: H, seed: 0,
                                       initialRows: rng.normalBuffer(count: virtual * H, std: 0.02))
        let optimizer = AdamOptimizer(kind: training.optimizer, parameterCount: prompt.parameters.count,
                                      weightDecay: training.weightDecay)
        return PromptStep(transformer: model.transformer, promptEncoder: prompt, optimizer: optimizer,
                          clipNorm: training.clipNorm)
    }

    /// Seconds per training step, and the encoder's seconds summed over the measured (not warm-up) steps.
    private func timeTrainingSteps(_ step: PromptStep, _ work: Workload, meter: ProjectionMeter)
        -> (step: Double, steps: Int, encoderSeconds: PromptStep.EncoderSeconds) {
        let vocabulary = model.transformer.config.vocabSize
        let rate = TrainingSettings().learningRate
        var steps = 0
        var encoderSeconds = PromptStep.EncoderSeconds()
        let seconds = Self.time(seconds) {
            // The warm-up step runs without the meters.
            let measured = steps > 0
            model.transformer.projectionMeter = measured ? meter : nil
            steps += 1
            let outcome = step.run(learningRate: rate) { table in
                PromptStep.Inputs(batch: DecoderBatch(sequences: work.sequences, embeddings: table), positions: work.positions) {
                    CrossEntropy.gradient(logits: $0, targets: work.targets, width: vocabulary)
                }
            }
            if measured { encoderSeconds += outcome.encoderSeconds }
        }
        model.transformer.projectionMeter = nil
        return (seconds, steps, encoderSeconds)
    }

    /// Measures sgemm, training steps and forward passes.
    public func run() -> Report {
        var rng = SeededGenerator(seed: 0)
        let work = workload(&rng)
        let step = trainingStep(&rng)
        if measuresSGEMM { progress?("measuring sgemm ...") }
        let sgemm = measuresSGEMM ? Self.sgemmRate(seconds: min(seconds, 3)) : nil
        progress?("measuring training steps for \(seconds) s ...")
        let meter = ProjectionMeter()
        let training = timeTrainingSteps(step, work, meter: meter)
        progress?("measuring forward passes for \(seconds / 2) s ...")
        let forward = Self.time(seconds / 2) {
            let inputs = DecoderBatch(sequences: work.sequences, embeddings: step.promptEncoder.forward())
            _ = model.transformer.forward(inputs, logitsAt: work.positions, saveForBackward: false)
        }
        return report(work.shape, training: training, forward: forward, meter: meter, sgemm: sgemm)
    }

    private func report(_ shape: DecoderBatch, training: (step: Double, steps: Int, encoderSeconds: PromptStep.EncoderSeconds),
                        forward: Double, meter: ProjectionMeter, sgemm: Double?) -> Report {
        let config = model.transformer.config
        let step = training.step
        let tokenCount = Double(shape.tokenCount)
        let forwardFlops = config.forwardFlops(shape, logitRows: batch)
        let trainFlops = forwardFlops + config.backwardFlops(shape, logitRows: batch)
        let footprint = model.transformer.weightFootprint
        let measuredTime = step * Double(training.steps - 1)
        let round1 = { (value: Double) in (value * 10).rounded() / 10 }
        let encoderSeconds = training.encoderSeconds
        let perStep = { (seconds: Double) in round1(seconds / Double(training.steps - 1) * 1000) }
        return Report(model: model.name, precision: model.transformer.precision.rawValue,
                      kernel: model.transformer.precision.kernel,
                      recompute: model.transformer.recomputesActivations, threads: Threads.count,
                      batch: batch, seq: seq, virtual: virtual, encoder: encoder.kind.rawValue,
                      encoder_hidden: encoder.hiddenSize,
                      encoder_ms: perStep(encoderSeconds.total),
                      encoder_share: (encoderSeconds.total / measuredTime * 1000).rounded() / 1000,
                      encoder_forward_ms: perStep(encoderSeconds.forward),
                      encoder_backward_ms: perStep(encoderSeconds.backward),
                      encoder_clipping_ms: perStep(encoderSeconds.clipping),
                      encoder_update_ms: perStep(encoderSeconds.update),
                      rows: shape.rowCount,
                      train_step_ms: round1(step * 1000),
                      train_tokens_per_s: round1(tokenCount / step),
                      train_gflops: round1(trainFlops / step / 1e9),
                      forward_tokens_per_s: round1(tokenCount / forward),
                      forward_gflops: round1(forwardFlops / forward / 1e9),
                      projection_gflops: round1(meter.gflops),
                      projection_share: (meter.seconds / measuredTime * 1000).rounded() / 1000,
                      sgemm_gflops: sgemm.map(round1),
                      weights_mb: round1(Double(footprint.bytes) / 1_048_576),
                      bytes_per_weight: (Double(footprint.bytes) / Double(footprint.count) * 1000).rounded() / 1000,
                      peak_rss_mb: round1(ResourceUsage.peakRSSMegabytes))
    }

    /// Mean seconds per call of `body` over about `seconds`, after one warm-up call.
    static func time(_ seconds: Double, _ body: () -> Void) -> Double {
        calls(seconds, body).mean
    }

    /// Mean and shortest seconds per call of `body` over about `seconds`, after one warm-up call.
    static func calls(_ seconds: Double, _ body: () -> Void) -> (mean: Double, shortest: Double) {
        body()
        let total = Stopwatch()
        var n = 0
        var (elapsed, shortest) = (0.0, Double.infinity)
        repeat {
            var call = 0.0
            timed(&call, body)
            shortest = min(shortest, call)
            n += 1
            elapsed = total.seconds
        } while elapsed < seconds
        return (elapsed / Double(n), shortest)
    }

    /// GFLOP/s of a large square single-precision GEMM on OpenBLAS's own pool of `Threads.count` threads.
    static func sgemmRate(seconds: Double) -> Double {
        let n = 1536
        var rng = SeededGenerator(seed: 1)
        let a = rng.normalBuffer(count: n * n, std: 1), b = rng.normalBuffer(count: n * n, std: 1)
        let c = FloatBuffer(count: n * n)
        let t = BLASThreading.withLibraryPool {
            time(seconds) { gemm(.none, .none, m: n, n: n, k: n, a: a.pointer, b: b.pointer, c: c.pointer) }
        }
        return 2 * Double(n) * Double(n) * Double(n) / t / 1e9
    }
}
