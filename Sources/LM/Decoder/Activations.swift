import Tensor

/// What a forward pass keeps for the backward pass, plus its scratch. Shapes for a batch of N rows,
/// `slots` layers (all layers when keeping everything, else 1) and `inputs` residual rows (every
/// layer's input and the final hidden state when saving for backward, else 1):
/// - residual [inputs, N, H]
/// - mid [slots, N, H]: the residual after attention; rstd1, rstd2 [slots, N]
/// - qkv [slots, N, W] (Q and K after rotation), gateUp [slots, N, 2F]; attention's probabilities of
///   every layer only where they take at most a quarter of that (`keepProbabilities`), else backward
///   computes them again (see `Attention`)
/// - mid and gateUp are `KeptRows`, whose slots hold as many rows as this set was made for (N or
///   more), encoded when saving for backward with bf16 or int8 weights (see `gateUp`)
/// - for the sandwich layout (`BlockLayout.sandwichGeGLU`), also: headsRaw [slots, N·(nh + nkv)·d] (the
///   query heads [N·nh, d], then the key heads [N·nkv, d], before their norm) and their rstd
///   [slots, N·(nh + nkv)]; attentionOut and ffnOut [slots, N, H] (the sublayers' outputs before their
///   norm) and their rstd [slots, N] each
///
/// The per-sublayer scratch (normed, attention, activated) is free once the forward pass is done; the
/// backward pass reuses it for the matching gradients (dNormed, dAttention, dActivated). normed,
/// activated and dGateUp are the staging rows of operands made as their products run
/// (`FrozenMatrix.Operand`): written only where a product takes its operand whole in fp32.
final class Activations {
    /// What is kept for `Transformer.backward`.
    enum Keeping: Equatable {
        /// Inference: nothing.
        case nothing
        /// Every layer's activations.
        case everything
        /// Each layer's input only; backward recomputes the rest layer by layer.
        case layerInputs
    }

    let rows: Int
    let keeping: Keeping
    let residual: FloatBuffer
    /// The residual after attention, read back only by the MLP norm's backward: kept like `gateUp`
    /// (that backward then pairs the rounded rows with the rstd of the unrounded ones).
    let mid: KeptRows
    let rstd1: FloatBuffer
    let rstd2: FloatBuffer
    let qkv: FloatBuffer
    /// The gate and up projections, the largest thing kept per layer (SmolLM2: 3,072 of the 5,186
    /// floats kept per row and layer). With bf16 weights they are kept in bf16, half the memory, where
    /// bf16 products widen (`Precision.bf16Widens`): there the products multiply in fp32 and this
    /// rounding is the only one. Where bf16 products round their operands (AVX-512 BF16, AMX) both
    /// roundings together took the prompt gradient's cosine with fp32's under 0.999 (0.99841 on
    /// ../shared/reference's prompts with the AVX-512 BF16 kernel, 0.99927 with these rows in fp32:
    /// `ReducedPrecisionParityTests`), so there they stay fp32. With int8 weights they are kept in int8
    /// per block of 32, as the int8 tiles' products quantize their operands (1.125 bytes a value;
    /// Qwen2.5-0.5B keeps 9,728 a row and layer); with a model file's blocks, whose forward operands are
    /// 16-bit, these are the only activations cut to 8 bits. A forward pass that keeps nothing for
    /// backward leaves them in fp32, unrounded. With `Transformer.recomputesActivations` the one slot is
    /// encoded too, so a gradient has the same bits recomputed or not.
    let gateUp: KeptRows
    /// [N, H] normalised input of the current sublayer where its product takes it whole (else never
    /// written); the post-norm's output in the sandwich layout.
    let normed: FloatBuffer
    /// [N, nh*d] attention output before the output projection.
    let attention: FloatBuffer
    /// [N, F] the gated activation's output where the down projection takes it whole (else never
    /// written).
    let activated: FloatBuffer
    let headsRaw: FloatBuffer
    let headsRstd: FloatBuffer
    let attentionOut: FloatBuffer
    let attentionOutRstd: FloatBuffer
    let ffnOut: FloatBuffer
    let ffnOutRstd: FloatBuffer
    /// Backward scratch: dGateUp [N, 2F], the staging rows of the gate/up projection's backward
    /// operand, allocated at its first use and never written where that product rounds its operand
    /// (so its pages never count against memory there); dqkv [N, W] and, for the sandwich layout,
    /// dSublayer [N, H] (a sublayer output's gradient before its norm), kept only when saving for
    /// backward.
    let dGateUp = Scratch()
    let dqkv: FloatBuffer
    let dSublayer: FloatBuffer
    /// Reused by the bf16 products for their rounded operands.
    let scratch = Scratch()
    /// One scratch per thread for attention, grown with the thread count.
    private var lanes: [Scratch] = []
    /// Attention's probabilities [layers, perLayer] when the latest forward pass keeps them.
    private let probabilityStore = Scratch()
    private var probabilityBase: UnsafeMutablePointer<Float>?
    private var probabilitiesPerLayer = 0

    init(config: DecoderConfig, rows: Int, keeping: Keeping, precision: Precision) {
        let (H, F) = (config.hiddenSize, config.ffnSize)
        let W = config.queryWidth + 2 * config.kvWidth
        let slots = keeping == .everything ? config.layerCount : 1
        let saveForBackward = keeping != .nothing
        let kept: (mid: KeptRows.Encoding, gateUp: KeptRows.Encoding) = switch (saveForBackward, precision) {
        case (false, _), (_, .fp32): (.fp32, .fp32)
        case (true, .bf16): Precision.bf16Widens ? (.bf16, .bf16) : (.fp32, .fp32)
        case (true, .int8): (.bf16, .int8)
        }
        self.rows = rows
        self.keeping = keeping
        residual = FloatBuffer(count: (saveForBackward ? config.layerCount + 1 : 1) * rows * H)
        mid = KeptRows(slots: slots, rows: rows, width: H, encoding: kept.mid)
        rstd1 = FloatBuffer(count: slots * rows)
        rstd2 = FloatBuffer(count: slots * rows)
        qkv = FloatBuffer(count: slots * rows * W)
        gateUp = KeptRows(slots: slots, rows: rows, width: 2 * F, encoding: kept.gateUp)
        normed = FloatBuffer(count: rows * H)
        attention = FloatBuffer(count: rows * config.queryWidth)
        activated = FloatBuffer(count: rows * F)
        dqkv = FloatBuffer(count: saveForBackward ? rows * W : 0)
        let sandwich = config.architecture.block.normsSublayerOutputs ? 1 : 0
        let heads = config.headCount + config.kvHeadCount
        headsRaw = FloatBuffer(count: sandwich * slots * rows * heads * config.headDim)
        headsRstd = FloatBuffer(count: sandwich * slots * rows * heads)
        attentionOut = FloatBuffer(count: sandwich * slots * rows * H)
        attentionOutRstd = FloatBuffer(count: sandwich * slots * rows)
        ffnOut = FloatBuffer(count: sandwich * slots * rows * H)
        ffnOutRstd = FloatBuffer(count: sandwich * slots * rows)
        dSublayer = FloatBuffer(count: saveForBackward ? sandwich * rows * H : 0)
    }

    /// At least one scratch per thread, for attention's lanes.
    func laneScratch() -> [Scratch] {
        while lanes.count < Threads.count { lanes.append(Scratch()) }
        return lanes
    }

    /// Keeps attention's probabilities, `perLayer` values a layer, for the forward pass about to run
    /// when it keeps everything and they come to at most a quarter of the qkv, gate/up and mid rows it
    /// keeps (a few short segments: the bench's 8 × (16 + 64) keeps 15% more; long ones would keep
    /// more than half again, and compute them again instead).
    func keepProbabilities(perLayer: Int, config: DecoderConfig) {
        let keptPerLayer = rows * (config.queryWidth + 2 * config.kvWidth + 2 * config.ffnSize + config.hiddenSize)
        let keeps = keeping == .everything && 4 * perLayer <= keptPerLayer
        probabilitiesPerLayer = perLayer
        probabilityBase = keeps ? probabilityStore.buffer(of: Float.self, count: config.layerCount * perLayer) : nil
    }

    /// Layer l's kept probabilities, or nil when this pass does not keep them.
    func probabilities(layer l: Int) -> UnsafeMutablePointer<Float>? {
        probabilityBase.map { $0 + l * probabilitiesPerLayer }
    }

    /// Whether this set fits a batch of `rows` rows.
    func fits(rows: Int, keeping: Keeping) -> Bool {
        self.rows >= rows && self.keeping == keeping
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
    /// The distinct batch rows of `positions`, where the last layer ran, and each position's index among them.
    let keptRows: [Int]
    let slotOfPosition: [Int]
    /// How the pass used the transformer's `PrefixCache`, for a backward pass that recomputes layers.
    let prefix: PrefixUse?
}
