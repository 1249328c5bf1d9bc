import CBF16
import LM
import Tensor
import TestSupport
import Testing

/// The decoder with bf16 or int8 block weights against the same decoder in fp32: logits and input
/// gradients agree to the precision's own (with the fastest kernel this CPU runs).
@Suite struct PrecisionTests {
    static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        var err = 0.0, norm = 0.0
        for (x, y) in zip(a, b) {
            err += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
        return (err / norm).squareRoot()
    }

    /// Each precision with its largest relative errors for the logits and the input gradient.
    static let precisions: [(Precision, Double, Double)] = [(.bf16, 2e-2, 3e-2), (.int8, 3e-2, 1e-1)]

    @Test(arguments: TinyModel.variants, precisions)
    func logitsAndGradientsFollowFp32(_ c: DecoderConfig, _ tolerance: (Precision, Double, Double)) {
        let (precision, logitTolerance, gradientTolerance) = tolerance
        let weights = TinyModel.weights(c, seed: 11)
        var rng = SeededGenerator(seed: 21)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let positions = [LogitPosition(sequence: 0, position: 5), LogitPosition(sequence: 1, position: 3)]
        let r = rng.normalBuffer(count: positions.count * c.vocabSize, std: 1)
        var results: [(logits: [Float], gradient: [Float])] = []
        for precision in [Precision.fp32, precision] {
            let decoder = Transformer(config: c, weights: weights, precision: precision)
            let batch = DecoderGradientTests.batch(c, embeddings: embeddings)
            let pass = decoder.forward(batch, logitsAt: positions, saveForBackward: true)
            results.append((pass.logits.array, decoder.backward(pass, logitGradient: r).array))
        }
        let logitError = Self.relativeError(results[1].logits, results[0].logits)
        let gradientError = Self.relativeError(results[1].gradient, results[0].gradient)
        #expect(logitError < logitTolerance, "\(precision) logits: relative error \(logitError)")
        #expect(gradientError < gradientTolerance, "\(precision) input gradient: relative error \(gradientError)")
        #expect(logitError > 0, "the \(precision) decoder must not fall back to fp32")
    }

    /// Every frozen matrix, the embedding table and head included, takes 2 bytes per weight in bf16;
    /// only the norm gains and biases stay fp32. The embedding rows the model reads are the rounded ones.
    @Test(arguments: TinyModel.variants)
    func bf16StoresEveryMatrixInTwoBytes(_ c: DecoderConfig) {
        let weights = TinyModel.weights(c, seed: 12)
        let (H, V, F, L) = (c.hiddenSize, c.vocabSize, c.ffnSize, c.layerCount)
        let W = c.queryWidth + 2 * c.kvWidth
        let blockShapes = [(W, H), (H, c.queryWidth), (2 * F, H), (H, F)]
        let matrices = V * H * (c.tiedOutput ? 1 : 2) + L * blockShapes.map { $0.0 * $0.1 }.reduce(0, +)
        let vectors = H + L * (2 * H + (c.attentionBias ? W : 0))
        let fp32 = Transformer(config: c, weights: weights, precision: .fp32).weightFootprint
        let bf16 = Transformer(config: c, weights: weights, precision: .bf16)
        #expect(fp32.count == matrices + vectors && fp32.bytes == 4 * (matrices + vectors))
        #expect(bf16.weightFootprint.count == matrices + vectors)
        // The block matrices in the kernels' panels where the kernel in use has bf16 dot products,
        // padded to 32 rows and columns (these tiny shapes are not whole panels); the table row-major.
        let storedWeights = V * H * (c.tiedOutput ? 1 : 2) + L * blockShapes.map { rows, columns in
            FrozenMatrix.bf16InPanels ? ptune_bf16_panels_elements(rows, columns) : rows * columns
        }.reduce(0, +)
        #expect(bf16.weightFootprint.bytes == 2 * storedWeights + 4 * vectors)

        let row = FloatBuffer(count: H)
        bf16.tokenEmbedding(3, into: row.pointer)
        let stored = (0..<H).map { BF16Rounding.round(weights.tokenEmbedding[3 * H + $0]) }
        #expect(row.array == stored)
    }

    /// int8 matrices take a byte per weight and 4 bytes per tile of 32 x 32 (a part tile counts whole).
    @Test(arguments: TinyModel.variants)
    func int8StoresEveryMatrixInAByteAndItsTileScales(_ c: DecoderConfig) {
        let weights = TinyModel.weights(c, seed: 13)
        let (H, V, F, L) = (c.hiddenSize, c.vocabSize, c.ffnSize, c.layerCount)
        let W = c.queryWidth + 2 * c.kvWidth
        let shapes = Array(repeating: (V, H), count: c.tiedOutput ? 1 : 2)
            + Array(repeating: [(W, H), (H, c.queryWidth), (2 * F, H), (H, F)], count: L).flatMap { $0 }
        let matrices = shapes.reduce(0) { $0 + $1.0 * $1.1 }
        let tiles = shapes.reduce(0) { $0 + ($1.0 + 31) / 32 * (($1.1 + 31) / 32) }
        let vectors = H + L * (2 * H + (c.attentionBias ? W : 0))
        let int8 = Transformer(config: c, weights: weights, precision: .int8).weightFootprint
        #expect(int8.count == matrices + vectors && int8.bytes == matrices + 4 * tiles + 4 * vectors)
    }
}
