import Tensor

/// A frozen decoder of one of the `ModelFamily.all` families: batched forward with saved activations,
/// and backward from a loss on chosen logits to the input embeddings. No weight gradient is ever computed.
///
/// Not thread-safe: one caller at a time. A `ForwardPass` is valid until the next `forward` call.
public final class Transformer: @unchecked Sendable {
    public let config: DecoderConfig
    /// [V, H] the token embedding table.
    let embeddingTable: any EmbeddingRows
    let blocks: [Block]
    let outputNorm: FloatBuffer
    /// [V, H] the output head: the same matrix as `embeddingTable` when the model ties them.
    let outputHead: FrozenMatrix
    /// The rotary tables of the global layers, and of the local ones when the family has them.
    var rotary: Rotary
    var localRotary: Rotary?
    let attention: Attention
    var cached: Activations?

    /// How the frozen matrices (block projections, embedding table, output head) are stored and
    /// multiplied; norms, biases and everything computed stay fp32.
    public let precision: Precision

    /// When set, every block projection's time and operations are added to it.
    public var projectionMeter: ProjectionMeter?

    /// When set, a forward pass for backward keeps only each layer's input, and `backward` recomputes
    /// the rest of each layer before going through it: activation memory per token and layer falls
    /// from about 3H + W + 2F floats (mid and gate/up in bf16 with bf16 weights, gate/up in int8 with
    /// int8 weights) to H, for about 40% more work per step. For long sequences that would not fit
    /// otherwise.
    public var recomputesActivations = false

    /// One layer's weights with the projections that share an input fused into one matrix.
    struct Block {
        let attentionNorm: FloatBuffer
        /// [W, H]: query rows, then key rows, then value rows.
        let qkv: FrozenMatrix
        /// [W] or nil.
        let qkvBias: FloatBuffer?
        /// [H, nh*d]
        let output: FrozenMatrix
        let ffnNorm: FloatBuffer
        /// [2F, H]: gate rows, then up rows.
        let gateUp: FrozenMatrix
        /// [H, F]
        let down: FrozenMatrix
        /// The sandwich layout's extra norms, nil in the pre-norm layout.
        let sandwich: SandwichNorms?
    }

    /// The decoder over weights already in `precision`: `outputHead` is `embeddingTable` itself when
    /// the model ties them.
    init(config: DecoderConfig, precision: Precision, embeddingTable: any EmbeddingRows, blocks: [Block],
         outputNorm: FloatBuffer, outputHead: FrozenMatrix) {
        self.config = config
        self.precision = precision
        self.embeddingTable = embeddingTable
        self.blocks = blocks
        self.outputNorm = outputNorm
        self.outputHead = outputHead
        rotary = Rotary(headDim: config.headDim, theta: config.ropeTheta, layout: config.rotaryLayout)
        localRotary = config.architecture.slidingWindow.map {
            Rotary(headDim: config.headDim, theta: $0.localRopeTheta, layout: config.rotaryLayout)
        }
        attention = Attention(headCount: config.headCount, kvHeadCount: config.kvHeadCount,
                              headDim: config.headDim)
    }

    /// Runs the batch and returns logits [P, V] at `positions`. With `saveForBackward`, every layer's
    /// activations are kept so `backward` can follow (only its inputs with `recomputesActivations`).
    public func forward(_ batch: DecoderBatch, logitsAt positions: [LogitPosition],
                        saveForBackward: Bool) -> ForwardPass {
        let (H, N, V) = (config.hiddenSize, batch.rowCount, config.vocabSize)
        let keeping: Activations.Keeping = !saveForBackward ? .nothing
            : recomputesActivations ? .layerInputs : .everything
        let acts: Activations
        if let c = cached, c.fits(rows: N, keeping: keeping) {
            acts = c
        } else {
            cached = nil
            acts = Activations(config: config, rows: N, keeping: keeping, precision: precision)
            cached = acts
        }
        acts.keepProbabilities(perLayer: attention.keptOffsets(batch.segments).last ?? 0, config: config)
        rotary.reserve(batch.maxLength)
        localRotary?.reserve(batch.maxLength)
        embed(batch, into: acts.residual.pointer)
        let (kept, slotOf) = Self.keptRows(positions, batch: batch)

        for l in blocks.indices {
            let input = saveForBackward ? l : 0
            layerForward(l, x: acts.residual.pointer + input * N * H, slot: keeping == .everything ? l : 0,
                         batch: batch, kept: kept, acts: acts,
                         output: acts.residual.pointer + (saveForBackward ? l + 1 : 0) * N * H)
        }

        // Final norm and head at the requested positions: hidden [P, H] -> logits [P, V].
        let P = positions.count
        let last = acts.residual.pointer + (saveForBackward ? config.layerCount : 0) * N * H
        let finalHidden = FloatBuffer(count: P * H)
        let finalRstd = FloatBuffer(count: P)
        let normed = FloatBuffer(count: P * H)
        for p in 0..<P {
            (finalHidden.pointer + p * H).update(from: last + slotOf[p] * H, count: H)
        }
        RMSNorm.forward(x: finalHidden.pointer, gain: outputNorm.pointer, eps: config.rmsNormEps, rows: P,
                        width: H, y: normed.pointer, rstd: finalRstd.pointer)
        let logits = FloatBuffer(count: P * V)
        if P > 0 {
            outputHead.forward(normed.pointer, count: P, into: logits.pointer, scratch: acts.scratch)
        }
        return ForwardPass(logits: logits, positions: positions, batch: batch, activations: acts,
                           finalHidden: finalHidden, finalRstd: finalRstd, savedForBackward: saveForBackward,
                           keptRows: kept, slotOfPosition: slotOf)
    }

    /// Layer `l` from its input x [N, H], keeping what backward needs in slot `s`: rstd1, qkv,
    /// mid, rstd2 and gateUp (and the sandwich layout's raw heads, sublayer outputs and their rstd).
    /// With `output`, also the layer's output (else it stops where backward has all it recomputes).
    /// The last layer's output projection and MLP run on the `kept` rows only, the only ones read
    /// after it, kept in rows 0..<K of its slots and its output.
    func layerForward(_ l: Int, x: UnsafePointer<Float>, slot s: Int, batch: DecoderBatch,
                              kept: [Int], acts: Activations,
                              output xOut: UnsafeMutablePointer<Float>?) {
        let block = blocks[l]
        let (H, N, Q) = (config.hiddenSize, batch.rowCount, config.queryWidth)
        let x1 = acts.mid.working(slot: s)

        // attention sublayer: x1 = x + [norm](Wo · attn(rope([norm](Wqkv · norm(x)))))
        attend(block, layer: l, x: x, batch: batch, slot: s, acts: acts)
        let rows: Int
        var gathered: FloatBuffer?
        if l < blocks.count - 1 {
            rows = N
            Elementwise.copy(x, into: x1, count: N * H)
        } else {
            rows = kept.count
            guard rows > 0 else { return }
            let attended = FloatBuffer(count: rows * Q)
            Self.gather(kept, from: acts.attention.pointer, width: Q, into: attended.pointer)
            Self.gather(kept, from: x, width: H, into: x1)
            gathered = attended
        }
        withExtendedLifetime(gathered) {
            addSublayer(block.output, input: .rows(gathered?.pointer ?? acts.attention.pointer), rows: rows, into: x1,
                        postNorm: block.sandwich?.attentionOutput, saved: acts.attentionOut.pointer + s * N * H,
                        rstd: acts.attentionOutRstd.pointer + s * N, acts: acts)
        }
        acts.mid.keep(slot: s, count: rows)
        mlpForward(block, x1: x1, batchRows: N, rows: rows, slot: s, acts: acts, output: xOut)
    }

    /// The MLP sublayer over `rows` rows: xOut = x1 + [norm](Wdown · act(Wgate·n) * (Wup·n)), n = norm(x1),
    /// keeping rstd2 and gateUp (and the sandwich layout's MLP output and its rstd) in slot `s`.
    /// Without `output` it stops once backward has what it needs. N: the batch's rows.
    private func mlpForward(_ block: Block, x1: UnsafePointer<Float>, batchRows N: Int, rows: Int, slot s: Int,
                            acts: Activations, output xOut: UnsafeMutablePointer<Float>?) {
        let (H, F) = (config.hiddenSize, config.ffnSize)
        let gateUp = acts.gateUp.working(slot: s)
        project(block.gateUp, rows: rows) {
            block.gateUp.forward(normed(x1, gain: block.ffnNorm, rstd: acts.rstd2.pointer + s * N, acts: acts),
                                 count: rows, into: gateUp, scratch: acts.scratch)
        }
        acts.gateUp.keep(slot: s, count: rows)
        guard xOut != nil || block.sandwich != nil else { return }
        if let xOut { Elementwise.copy(x1, into: xOut, count: rows * H) }
        // The gate makes the down projection's operand a block of rows at a time: where the product
        // rounds its operand, the activation [rows, F] is never written whole in fp32.
        let (activation, made) = (config.architecture.block.activation, UnsafePointer(gateUp))
        let activated = FrozenMatrix.Operand.made({ first, count, out in
            activation.forwardOnThisThread(gateUp: made + first * 2 * F, rows: count, width: F, out: out)
        }, staging: acts.activated.pointer)
        addSublayer(block.down, input: activated, rows: rows, into: xOut, postNorm: block.sandwich?.ffnOutput,
                    saved: acts.ffnOut.pointer + s * N * H, rstd: acts.ffnOutRstd.pointer + s * N, acts: acts)
    }

    /// residual += matrix · input over `rows` rows; with `postNorm`, residual += norm(matrix · input)
    /// instead, the product kept in `saved` and its rstd in `rstd` for backward (and the sum skipped
    /// without a residual, as a recomputing forward does).
    private func addSublayer(_ matrix: FrozenMatrix, input: FrozenMatrix.Operand, rows: Int,
                             into residual: UnsafeMutablePointer<Float>?, postNorm: FloatBuffer?,
                             saved: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, acts: Activations) {
        let H = config.hiddenSize
        guard let postNorm else {
            guard let residual else { return }
            return project(matrix, rows: rows) {
                matrix.forward(input, count: rows, beta: 1, into: residual, scratch: acts.scratch)
            }
        }
        project(matrix, rows: rows) { matrix.forward(input, count: rows, into: saved, scratch: acts.scratch) }
        RMSNorm.forward(x: saved, gain: postNorm.pointer, eps: config.rmsNormEps, rows: rows, width: H,
                        y: acts.normed.pointer, rstd: rstd)
        if let residual { Vector.axpy(1, acts.normed.pointer, residual, rows * H) }
    }

    /// norm(x) [N, H] -> qkv (head-normed in the sandwich layout, rotated) -> attention output in
    /// `acts.attention` [N, nh*d], with the layer's rstd1 and qkv in slot `slot`.
    func attend(_ block: Block, layer l: Int, x: UnsafePointer<Float>, batch: DecoderBatch,
                        slot s: Int, acts: Activations) {
        let (N, W) = (batch.rowCount, attention.rowWidth)
        let qkv = acts.qkv.pointer + s * N * W
        project(block.qkv, rows: N) {
            block.qkv.forward(normed(x, gain: block.attentionNorm, rstd: acts.rstd1.pointer + s * N, acts: acts),
                              count: N, into: qkv, scratch: acts.scratch)
        }
        if let bias = block.qkvBias { Elementwise.addBias(bias.pointer, to: qkv, rows: N, width: W, stride: W) }
        if let norms = block.sandwich { normHeads(qkv, norms: norms, rows: N, slot: s, acts: acts) }
        rotate(qkv, batch: batch, layer: l, inverse: false, rows: 0..<N)
        attention.forward(qkv: qkv, batch: batch, window: config.window(layer: l), lanes: acts.laneScratch(),
                          out: acts.attention.pointer, keep: acts.probabilities(layer: s))
    }

    /// RMSNorm(x) with `gain` as a projection's operand, made a block of rows at a time (its rows'
    /// rstd written as they are made; `acts.normed` holds the rows where the product needs them whole).
    private func normed(_ x: UnsafePointer<Float>, gain: FloatBuffer, rstd: UnsafeMutablePointer<Float>,
                        acts: Activations) -> FrozenMatrix.Operand {
        let (H, eps) = (config.hiddenSize, config.rmsNormEps)
        return .made({ first, count, out in
            RMSNorm.forwardOnThisThread(x: x + first * H, gain: gain.pointer, eps: eps, rows: count, width: H, y: out,
                                        rstd: rstd + first)
        }, staging: acts.normed.pointer)
    }

    /// Runs one block projection of `rows` rows, through the meter when one is attached.
    func project(_ matrix: FrozenMatrix, rows: Int, _ body: () -> Void) {
        if let meter = projectionMeter { meter.measure(matrix, rows: rows, body) } else { body() }
    }

    /// The first block's projections by name (`qkv`, `output`, `gate_up`, `down`); every block's have
    /// these shapes and this precision.
    public var blockProjections: [(name: String, matrix: FrozenMatrix)] {
        guard let block = blocks.first else { return [] }
        return [("qkv", block.qkv), ("output", block.output), ("gate_up", block.gateUp), ("down", block.down)]
    }

    /// The model's weights: their number and the bytes they take in memory (frozen matrices in
    /// `precision`, norm gains and biases in fp32; a tied head counted once).
    public var weightFootprint: (count: Int, bytes: Int) {
        let matrices: [any EmbeddingRows] = [embeddingTable] + (outputHead === embeddingTable ? [] : [outputHead])
            + blocks.flatMap { [$0.qkv, $0.output, $0.gateUp, $0.down] }
        let vectors = [outputNorm] + blocks.flatMap { [$0.attentionNorm, $0.ffnNorm] + ($0.qkvBias.map { [$0] } ?? []) }
        let floats = vectors.reduce(0) { $0 + $1.count }
        return (matrices.reduce(floats) { $0 + $1.rows * $1.columns }, matrices.reduce(4 * floats) { $0 + $1.byteCount })
    }

    /// Row `id` of the token embedding table [H] in fp32, as the model reads it (with bf16 weights, the
    /// stored bf16 values; from an untied table left in the model file's encoding, the exact values).
    public func tokenEmbedding(_ id: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(id >= 0 && id < config.vocabSize, "token id \(id) outside the vocabulary")
        embeddingTable.row(id, into: out)
    }
}
