import Testing
import LM
import Tensor
import TestSupport

/// The decoder with bf16 block weights against the same decoder in fp32: logits and input
/// gradients agree to bf16's precision.
@Suite(.enabled(if: Precision.bf16Supported, "bf16 tests skipped: this CPU has no AVX-512 BF16"))
struct PrecisionTests {
    static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        var err = 0.0, norm = 0.0
        for (x, y) in zip(a, b) {
            err += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
        return (err / norm).squareRoot()
    }

    @Test(arguments: TinyModel.variants)
    func bf16LogitsAndGradientsFollowFp32(_ c: DecoderConfig) {
        let weights = TinyModel.weights(c, seed: 11)
        var rng = SeededGenerator(seed: 21)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let positions = [LogitPosition(sequence: 0, position: 5), LogitPosition(sequence: 1, position: 3)]
        let r = rng.normalBuffer(count: positions.count * c.vocabSize, std: 1)
        var results: [(logits: [Float], gradient: [Float])] = []
        for precision in [Precision.fp32, .bf16] {
            let decoder = Transformer(config: c, weights: weights, precision: precision)
            let batch = DecoderGradientTests.batch(c, embeddings: embeddings)
            let pass = decoder.forward(batch, logitsAt: positions, saveForBackward: true)
            results.append((pass.logits.array, decoder.backward(pass, logitGradient: r).array))
        }
        let logitError = Self.relativeError(results[1].logits, results[0].logits)
        let gradientError = Self.relativeError(results[1].gradient, results[0].gradient)
        #expect(logitError < 2e-2, "logits: relative error \(logitError)")
        #expect(gradientError < 3e-2, "input gradient: relative error \(gradientError)")
        #expect(logitError > 0, "the bf16 decoder must not fall back to fp32")
    }
}
