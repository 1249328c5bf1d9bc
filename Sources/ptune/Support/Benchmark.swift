import Foundation
import LM
import PTuning
import Tensor

/// Times training steps and forward passes of a P-tuning-shaped batch, and sgemm on this machine.
///
/// A training step is what `ptune train` does per batch: the prompt encoder's forward pass makes the
/// virtual tokens' table, the model runs forward and backward to it, then the encoder's backward
/// pass and an AdamW update of its parameters. A forward pass is the encoder's and the model's.
struct Benchmark {
    let model: LanguageModel
    let batch: Int
    let seq: Int
    let virtual: Int
    let encoder: EncoderSettings
    let seconds: Double
    let progress: ((String) -> Void)?

    struct Report: Encodable {
        let system = "ptune"
        let model: String
        let precision: String
        let recompute: Bool
        let threads: Int
        let batch: Int
        let seq: Int
        let virtual: Int
        let encoder: String
        /// The encoder's hidden size as `[encoder] hidden_size` counts it.
        let encoder_hidden: Int
        /// The encoder's share of a training step: its forward, backward and AdamW update.
        let encoder_ms: Double
        let encoder_share: Double
        /// Rows computed per step: the virtual tokens the sequences begin with are computed once.
        let rows: Int
        let train_step_ms: Double
        let train_tokens_per_s: Double
        let train_gflops: Double
        let forward_tokens_per_s: Double
        let forward_gflops: Double
        /// The block projections alone (the GEMM-bound part) during the forward+backward steps.
        let projection_gflops: Double
        let projection_share: Double
        let sgemm_gflops: Double
        /// The model's weights in memory and their bytes per weight.
        let weights_mb: Double
        let bytes_per_weight: Double
        let peak_rss_mb: Double

        var table: String {
            """
            model            \(model)
            shape            batch \(batch) x (\(virtual) virtual + \(seq) tokens), \(threads) threads, \(precision) weights\(recompute ? ", activations recomputed" : "")
            rows computed    \(rows) of \(batch * (virtual + seq)) (the virtual tokens every sequence begins with once)
            prompt encoder   \(encoder)\(encoder == "none" ? "" : " (hidden \(encoder_hidden))"): \(format(encoder_ms)) ms per step, \(percent(encoder_share)) of it (forward, backward, AdamW)
            forward          \(format(forward_tokens_per_s)) tokens/s   \(format(forward_gflops)) GFLOP/s
            forward+backward \(format(train_tokens_per_s)) tokens/s   \(format(train_gflops)) GFLOP/s   (\(format(train_step_ms)) ms/step)
            projections      \(format(projection_gflops)) GFLOP/s   (\(percent(projection_gflops / sgemm_gflops)) of sgemm; \(percent(projection_share)) of the step's time)
            machine sgemm    \(format(sgemm_gflops)) GFLOP/s
            weights          \(format(weights_mb)) MB   (\(String(format: "%.2f", bytes_per_weight)) bytes per weight)
            peak RSS         \(format(peak_rss_mb)) MB
            """
        }

        private func format(_ v: Double) -> String { String(format: "%8.1f", v) }
        private func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }
    }

    func run() -> Report {
        let config = model.transformer.config
        let H = config.hiddenSize
        var rng = SeededGenerator(seed: 0)
        let tokens = (0..<batch).map { _ in
            (0..<seq).map { _ in DecoderInput.token(100 + Int(rng.next() % UInt64(config.vocabSize - 200))) }
        }
        let sequences: [[DecoderInput]] = tokens.map { (0..<virtual).map { DecoderInput.embedding($0) } + $0 }
        let positions = (0..<batch).map { LogitPosition(sequence: $0, position: virtual + seq - 1) }
        let targets = (0..<batch).map { _ in Int(rng.next() % UInt64(config.vocabSize)) }
        let prompt = makePromptEncoder(settings: encoder, count: virtual, width: H, seed: 0,
                                       initialRows: rng.normalBuffer(count: virtual * H, std: 0.02))
        let optimizer = AdamOptimizer(kind: .adamw, parameterCount: prompt.parameters.count, weightDecay: 0.01)
        let dTable = FloatBuffer(count: prompt.count * H)
        let shape = DecoderBatch(sequences: sequences)
        let tokenCount = Double(shape.tokenCount)

        progress?("measuring sgemm ...")
        let sgemm = Self.sgemmRate(seconds: min(seconds, 3))
        progress?("measuring training steps for \(seconds) s ...")
        let meter = ProjectionMeter()
        var steps = 0
        var encoderSeconds = 0.0
        let step = Self.time(seconds) {
            // The warm-up step runs without the meters.
            let measured = steps > 0
            model.transformer.projectionMeter = measured ? meter : nil
            steps += 1
            var start = DispatchTime.now().uptimeNanoseconds
            let table = prompt.forward()
            var encoderTime = DispatchTime.now().uptimeNanoseconds - start
            let inputs = DecoderBatch(sequences: sequences, embeddings: table)
            let pass = model.transformer.forward(inputs, logitsAt: positions, saveForBackward: true)
            let gradient = CrossEntropy.gradient(logits: pass.logits, targets: targets, width: config.vocabSize)
            let dInput = model.transformer.backward(pass, logitGradient: gradient.gradient)
            dTable.zero()
            inputs.accumulateEmbeddingGradient(dInput, width: H, into: dTable)
            start = DispatchTime.now().uptimeNanoseconds
            prompt.zeroGradient()
            prompt.backward(dTable)
            optimizer.step(parameters: prompt.parameters, gradient: prompt.gradient, learningRate: 1e-3)
            encoderTime += DispatchTime.now().uptimeNanoseconds - start
            if measured { encoderSeconds += Double(encoderTime) / 1e9 }
        }
        model.transformer.projectionMeter = nil
        progress?("measuring forward passes for \(seconds / 2) s ...")
        let forward = Self.time(seconds / 2) {
            let inputs = DecoderBatch(sequences: sequences, embeddings: prompt.forward())
            _ = model.transformer.forward(inputs, logitsAt: positions, saveForBackward: false)
        }
        let forwardFlops = config.forwardFlops(shape, logitRows: batch)
        let trainFlops = forwardFlops + config.backwardFlops(shape, logitRows: batch)
        let footprint = model.transformer.weightFootprint
        let measuredTime = step * Double(steps - 1)
        return Report(model: model.name, precision: model.transformer.precision.rawValue,
                      recompute: model.transformer.recomputesActivations, threads: Threads.count,
                      batch: batch, seq: seq, virtual: virtual, encoder: encoder.kind.rawValue,
                      encoder_hidden: encoder.hiddenSize,
                      encoder_ms: (encoderSeconds / Double(steps - 1) * 1000 * 10).rounded() / 10,
                      encoder_share: (encoderSeconds / measuredTime * 1000).rounded() / 1000,
                      rows: shape.rowCount,
                      train_step_ms: (step * 1000 * 10).rounded() / 10,
                      train_tokens_per_s: (tokenCount / step * 10).rounded() / 10,
                      train_gflops: (trainFlops / step / 1e9 * 10).rounded() / 10,
                      forward_tokens_per_s: (tokenCount / forward * 10).rounded() / 10,
                      forward_gflops: (forwardFlops / forward / 1e9 * 10).rounded() / 10,
                      projection_gflops: (meter.gflops * 10).rounded() / 10,
                      projection_share: (meter.seconds / measuredTime * 1000).rounded() / 1000,
                      sgemm_gflops: (sgemm * 10).rounded() / 10,
                      weights_mb: (Double(footprint.bytes) / 1_048_576 * 10).rounded() / 10,
                      bytes_per_weight: (Double(footprint.bytes) / Double(footprint.count) * 1000).rounded() / 1000,
                      peak_rss_mb: (ResourceUsage.peakRSSMegabytes * 10).rounded() / 10)
    }

    /// Mean seconds per call of `body` over about `seconds`, after one warm-up call.
    static func time(_ seconds: Double, _ body: () -> Void) -> Double {
        body()
        let start = DispatchTime.now().uptimeNanoseconds
        var n = 0
        var elapsed = 0.0
        repeat {
            body()
            n += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return elapsed / Double(n)
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
