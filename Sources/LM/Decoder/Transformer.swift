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

    /// When set, the keys and values it keeps of the rows before each sequence's first `.embedding`
    /// (`keepPrefixes(of:)`) are read by the passes whose texts are all kept (see `PrefixCache`); a
    /// backward pass after such a pass must go to `InputGradient.embeddingRows`.
    public var prefixCache: PrefixCache?

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
    /// With a `prefixCache` that keeps every sequence's text before its first `.embedding`, and no
    /// position inside those texts, the layers run on the rows after them only.
    public func forward(_ batch: DecoderBatch, logitsAt positions: [LogitPosition],
                        saveForBackward: Bool) -> ForwardPass {
        let rows = positions.map { batch.row(sequence: $0.sequence, position: $0.position) }
        return run(batch, logitsAt: positions, saveForBackward: saveForBackward,
                   prefix: prefixCache?.reading(batch, logitRows: rows, kvWidth: config.kvWidth))
    }

    /// `forward`, with the keys and values before `prefix`'s first computed row read from it (or every
    /// row computed and the keys and values copied into it).
    func run(_ batch: DecoderBatch, logitsAt positions: [LogitPosition], saveForBackward: Bool,
             prefix: PrefixUse?) -> ForwardPass {
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
                         batch: batch, kept: kept, prefix: prefix, acts: acts,
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
                           keptRows: kept, slotOfPosition: slotOf, prefix: prefix)
    }

    /// Layer `l` from its input x [N, H], keeping what backward needs in slot `s`: rstd1, qkv,
    /// mid, rstd2 and gateUp (and the sandwich layout's raw heads, sublayer outputs and their rstd).
    /// With `output`, also the layer's output (else it stops where backward has all it recomputes).
    /// The last layer's output projection and MLP run on the `kept` rows only, the only ones read
    /// after it, kept in rows 0..<K of its slots and its output. With a `prefix` that reads, every row
    /// before its `firstComputedRow` is skipped (their keys and values come from the cache).
    func layerForward(_ l: Int, x: UnsafePointer<Float>, slot s: Int, batch: DecoderBatch,
                              kept: [Int], prefix: PrefixUse?, acts: Activations,
                              output xOut: UnsafeMutablePointer<Float>?) {
        let block = blocks[l]
        let (H, N, Q) = (config.hiddenSize, batch.rowCount, config.queryWidth)
        let first = prefix?.firstComputedRow ?? 0
        let x1 = acts.mid.working(slot: s)

        // attention sublayer: x1 = x + [norm](Wo · attn(rope([norm](Wqkv · norm(x)))))
        attend(block, layer: l, x: x, batch: batch, slot: s, prefix: prefix, acts: acts)
        let rows: Range<Int>
        var gathered: FloatBuffer?
        if l < blocks.count - 1 {
            rows = first..<N
            Elementwise.copy(x + first * H, into: x1 + first * H, count: rows.count * H)
        } else {
            rows = 0..<kept.count
            guard !rows.isEmpty else { return }
            let attended = FloatBuffer(count: rows.count * Q)
            Self.gather(kept, from: acts.attention.pointer, width: Q, into: attended.pointer)
            Self.gather(kept, from: x, width: H, into: x1)
            gathered = attended
        }
        let r = s * N + rows.lowerBound
        withExtendedLifetime(gathered) {
            addSublayer(block.output, input: .rows(gathered?.pointer ?? acts.attention.pointer + first * Q),
                        rows: rows.count, into: x1 + rows.lowerBound * H, postNorm: block.sandwich?.attentionOutput,
                        saved: acts.attentionOut.pointer + r * H, rstd: acts.attentionOutRstd.pointer + r, acts: acts)
        }
        acts.mid.keep(slot: s, rows: rows)
        mlpForward(block, x1: x1, batchRows: N, rows: rows, slot: s, acts: acts, output: xOut)
    }

    /// The MLP sublayer over rows `rows` of x1 [N, H]: xOut = x1 + [norm](Wdown · act(Wgate·n) * (Wup·n)),
    /// n = norm(x1), keeping rstd2 and gateUp (and the sandwich layout's MLP output and its rstd) in
    /// slot `s`. Without `output` it stops once backward has what it needs. N: the batch's rows.
    private func mlpForward(_ block: Block, x1 x1Rows: UnsafePointer<Float>, batchRows N: Int, rows: Range<Int>,
                            slot s: Int, acts: Activations, output xOutRows: UnsafeMutablePointer<Float>?) {
        let (H, F, n, r) = (config.hiddenSize, config.ffnSize, rows.count, s * N + rows.lowerBound)
        let x1 = x1Rows + rows.lowerBound * H
        let xOut = xOutRows.map { $0 + rows.lowerBound * H }
        let gateUp = acts.gateUp.working(slot: s) + rows.lowerBound * 2 * F
        project(block.gateUp, rows: n) {
            block.gateUp.forward(normed(x1, gain: block.ffnNorm, rstd: acts.rstd2.pointer + r, acts: acts),
                                 count: n, into: gateUp, scratch: acts.scratch)
        }
        acts.gateUp.keep(slot: s, rows: rows)
        guard xOut != nil || block.sandwich != nil else { return }
        if let xOut { Elementwise.copy(x1, into: xOut, count: n * H) }
        // The gate makes the down projection's operand a block of rows at a time: where the product
        // rounds its operand, the activation [rows, F] is never written whole in fp32.
        let (activation, made) = (config.architecture.block.activation, UnsafePointer(gateUp))
        let activated = FrozenMatrix.Operand.made({ first, count, out in
            activation.forwardOnThisThread(gateUp: made + first * 2 * F, rows: count, width: F, out: out)
        }, staging: acts.activated.pointer)
        addSublayer(block.down, input: activated, rows: n, into: xOut, postNorm: block.sandwich?.ffnOutput,
                    saved: acts.ffnOut.pointer + r * H, rstd: acts.ffnOutRstd.pointer + r, acts: acts)
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
    /// `acts.attention` [N, nh*d], with the layer's rstd1 and qkv in slot `slot`: over the rows from
    /// `prefix`'s `firstComputedRow` on, the keys and values before it read from the cache (or the new
    /// ones copied into it).
    func attend(_ block: Block, layer l: Int, x: UnsafePointer<Float>, batch: DecoderBatch,
                        slot s: Int, prefix: PrefixUse?, acts: Activations) {
        let (H, N, W) = (config.hiddenSize, batch.rowCount, attention.rowWidth)
        let first = prefix?.firstComputedRow ?? 0
        let n = N - first
        let qkv = acts.qkv.pointer + s * N * W
        project(block.qkv, rows: n) {
            block.qkv.forward(normed(x + first * H, gain: block.attentionNorm, rstd: acts.rstd1.pointer + s * N + first,
                                     acts: acts),
                              count: n, into: qkv + first * W, scratch: acts.scratch)
        }
        if let bias = block.qkvBias {
            Elementwise.addBias(bias.pointer, to: qkv + first * W, rows: n, width: W, stride: W)
        }
        if let norms = block.sandwich { normHeads(qkv, norms: norms, rows: first..<N, batchRows: N, slot: s, acts: acts) }
        rotate(qkv, batch: batch, layer: l, inverse: false, rows: first..<N)
        prefix?.apply(layer: l, qkv: qkv, rowWidth: W, keyColumn: config.queryWidth)
        attention.forward(qkv: qkv, batch: batch, window: config.window(layer: l), lanes: acts.laneScratch(),
                          out: acts.attention.pointer, keep: acts.probabilities(layer: s), firstRow: first)
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
