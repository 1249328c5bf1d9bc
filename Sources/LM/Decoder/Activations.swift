import Tensor

/// What a forward pass keeps for the backward pass, plus its scratch. Shapes for a batch of N rows,
/// `slots` layers (all layers when saving for backward, 1 for inference):
/// - residual [slots + 1, N, H]: the input of each layer, then the final hidden state
/// - mid [slots, N, H]: the residual after attention; rstd1, rstd2 [slots, N]
/// - qkv [slots, N, W] (Q and K after rotation), probs [slots, sum_b nh * L_b^2], gateUp [slots, N, 2F]
///
/// The per-sublayer scratch (normed, attention, activated) is free once the forward pass is done; the
/// backward pass reuses it for the matching gradients (dNormed, dAttention, dActivated).
final class Activations {
    let rows: Int
    let slots: Int
    let savedForBackward: Bool
    let probsPerLayer: Int
    let residual: FloatBuffer
    let mid: FloatBuffer
    let rstd1: FloatBuffer
    let rstd2: FloatBuffer
    let qkv: FloatBuffer
    let probs: FloatBuffer
    let gateUp: FloatBuffer
    /// [N, H] normalised input of the current sublayer.
    let normed: FloatBuffer
    /// [N, nh*d] attention output before the output projection.
    let attention: FloatBuffer
    /// [N, F] SwiGLU output.
    let activated: FloatBuffer
    /// Backward scratch, kept only when saving for backward: dGateUp [N, 2F] and dqkv [N, W].
    let dGateUp: FloatBuffer
    let dqkv: FloatBuffer
    /// Reused by the bf16 products for their rounded operands.
    let scratch = Scratch()

    init(config: DecoderConfig, rows: Int, saveForBackward: Bool, probsPerLayer: Int) {
        let (H, F) = (config.hiddenSize, config.ffnSize)
        let W = config.queryWidth + 2 * config.kvWidth
        let slots = saveForBackward ? config.layerCount : 1
        self.rows = rows
        self.slots = slots
        savedForBackward = saveForBackward
        self.probsPerLayer = probsPerLayer
        residual = FloatBuffer(count: (slots + 1) * rows * H)
        mid = FloatBuffer(count: slots * rows * H)
        rstd1 = FloatBuffer(count: slots * rows)
        rstd2 = FloatBuffer(count: slots * rows)
        qkv = FloatBuffer(count: slots * rows * W)
        probs = FloatBuffer(count: slots * probsPerLayer)
        gateUp = FloatBuffer(count: slots * rows * 2 * F)
        normed = FloatBuffer(count: rows * H)
        attention = FloatBuffer(count: rows * config.queryWidth)
        activated = FloatBuffer(count: rows * F)
        dGateUp = FloatBuffer(count: saveForBackward ? rows * 2 * F : 0)
        dqkv = FloatBuffer(count: saveForBackward ? rows * W : 0)
    }

    /// Whether this set fits a batch of `rows` rows and `probs` attention probabilities per layer.
    func fits(rows: Int, probs: Int, saveForBackward: Bool) -> Bool {
        self.rows >= rows && probsPerLayer >= probs && savedForBackward == saveForBackward
    }
}

/// The result of `Transformer.forward`: logits at the requested positions, and what backward needs.
public struct ForwardPass {
    /// [P, V] logits, row p for `positions[p]`.
    public let logits: FloatBuffer
    public let positions: [LogitPosition]
    let batch: DecoderBatch
    let activations: Activations
    /// [P, H] final hidden rows gathered at the positions, and their rstd [P].
    let finalHidden: FloatBuffer
    let finalRstd: FloatBuffer
    let savedForBackward: Bool
    let probOffsets: [Int]
}
