import LM
import Tensor

/// Random tiny decoders of every family for gradient and consistency checks.
enum TinyModel {
    static func config(_ architecture: ModelFamily, layout: RotaryLayout, bias: Bool, tied: Bool,
                       heads: Int = 4, kvHeads: Int = 2, layers: Int = 2, window: Int? = nil) -> DecoderConfig {
        DecoderConfig(architecture: architecture, vocabSize: 37, hiddenSize: 16, layerCount: layers,
                      headCount: heads, kvHeadCount: kvHeads, headDim: 4, ffnSize: 24, rmsNormEps: 1e-5,
                      ropeTheta: 10_000, rotaryLayout: layout, attentionBias: bias, tiedOutput: tied,
                      contextLength: 64, slidingWindow: window)
    }

    static func weights(_ c: DecoderConfig, seed: UInt64) -> DecoderWeights {
        var rng = SeededGenerator(seed: seed)
        let (H, F) = (c.hiddenSize, c.ffnSize)
        func gain(_ n: Int) -> FloatBuffer {
            let b = FloatBuffer(count: n)
            for i in 0..<n { b.pointer[i] = 1 + 0.2 * rng.normal() }
            return b
        }
        let layers = (0..<c.layerCount).map { _ in
            LayerWeights(attentionNorm: gain(H),
                         query: rng.normalBuffer(count: c.queryWidth * H, std: 0.3),
                         key: rng.normalBuffer(count: c.kvWidth * H, std: 0.3),
                         value: rng.normalBuffer(count: c.kvWidth * H, std: 0.3),
                         queryBias: c.attentionBias ? rng.normalBuffer(count: c.queryWidth, std: 0.2) : nil,
                         keyBias: c.attentionBias ? rng.normalBuffer(count: c.kvWidth, std: 0.2) : nil,
                         valueBias: c.attentionBias ? rng.normalBuffer(count: c.kvWidth, std: 0.2) : nil,
                         output: rng.normalBuffer(count: H * c.queryWidth, std: 0.3),
                         ffnNorm: gain(H),
                         gate: rng.normalBuffer(count: F * H, std: 0.3),
                         up: rng.normalBuffer(count: F * H, std: 0.3),
                         down: rng.normalBuffer(count: H * F, std: 0.3),
                         sandwich: !c.architecture.block.normsSublayerOutputs ? nil
                            : SandwichNorms(query: gain(c.headDim), key: gain(c.headDim), attentionOutput: gain(H),
                                            ffnOutput: gain(H)))
        }
        let embedding = rng.normalBuffer(count: c.vocabSize * H, std: 1)
        let head = c.tiedOutput ? embedding : rng.normalBuffer(count: c.vocabSize * H, std: 0.5)
        return DecoderWeights(tokenEmbedding: embedding, layers: layers, outputNorm: gain(H), outputHead: head)
    }

    static func decoder(_ c: DecoderConfig, seed: UInt64 = 11, precision: Precision = .fp32) -> Transformer {
        Transformer(config: c, weights: weights(c, seed: seed), precision: precision)
    }

    /// Every configuration the gradient checks cover: every family, both rotary layouts, with and
    /// without biases, tied and untied heads, grouped and plain multi-head attention; Gemma 3 with six
    /// layers (five local with a window of 3 positions, then a global one).
    static let variants: [DecoderConfig] = [
        config(.llama, layout: .adjacentPairs, bias: false, tied: true),
        config(.llama, layout: .halfSplit, bias: false, tied: false, heads: 2, kvHeads: 2),
        config(.qwen2, layout: .halfSplit, bias: true, tied: false),
        config(.qwen2, layout: .halfSplit, bias: true, tied: true, heads: 4, kvHeads: 1),
        config(.gemma3, layout: .halfSplit, bias: false, tied: true, heads: 4, kvHeads: 1, layers: 6, window: 3),
    ]
}
