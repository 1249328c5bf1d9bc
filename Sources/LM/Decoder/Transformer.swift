import Tensor

/// A frozen Llama-family decoder: batched forward with saved activations, and backward from a loss on
/// chosen logits to the input embeddings. No weight gradient is ever computed.
///
/// Not thread-safe: one caller at a time. A `ForwardPass` is valid until the next `forward` call.
public final class Transformer: @unchecked Sendable {
    public let config: DecoderConfig
    /// [V, H] the token embedding table.
    public let tokenEmbedding: FloatBuffer
    private let blocks: [Block]
    private let outputNorm: FloatBuffer
    private let outputHead: FloatBuffer
    private var rotary: Rotary
    private let attention: Attention
    private var cached: Activations?

    /// How the block projections are stored and multiplied (the embedding and head stay fp32).
    public let precision: Precision

    /// When set, every block projection's time and operations are added to it.
    public var projectionMeter: ProjectionMeter?

    /// One layer's weights with the projections that share an input fused into one matrix.
    private struct Block {
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
    }

    /// `precision` `.bf16` needs `Precision.bf16Supported`.
    public init(config: DecoderConfig, weights: DecoderWeights, precision: Precision = .fp32) {
        self.config = config
        self.precision = precision
        tokenEmbedding = weights.tokenEmbedding
        outputNorm = weights.outputNorm
        outputHead = weights.outputHead
        blocks = weights.layers.map { layer in
            let bias: FloatBuffer? = config.attentionBias
                ? Self.concatenate([layer.queryBias, layer.keyBias, layer.valueBias].map {
                    $0 ?? FloatBuffer(count: 0)
                })
                : nil
            let (H, F, Q) = (config.hiddenSize, config.ffnSize, config.queryWidth)
            let qkv = Self.concatenate([layer.query, layer.key, layer.value])
            return Block(attentionNorm: layer.attentionNorm,
                         qkv: FrozenMatrix(qkv, rows: qkv.count / H, columns: H, precision: precision),
                         qkvBias: bias, output: FrozenMatrix(layer.output, rows: H, columns: Q, precision: precision),
                         ffnNorm: layer.ffnNorm,
                         gateUp: FrozenMatrix(Self.concatenate([layer.gate, layer.up]), rows: 2 * F, columns: H,
                                              precision: precision),
                         down: FrozenMatrix(layer.down, rows: H, columns: F, precision: precision))
        }
        rotary = Rotary(headDim: config.headDim, theta: config.ropeTheta, layout: config.rotaryLayout)
        attention = Attention(headCount: config.headCount, kvHeadCount: config.kvHeadCount,
                              headDim: config.headDim)
    }

    private static func concatenate(_ parts: [FloatBuffer]) -> FloatBuffer {
        let out = FloatBuffer(count: parts.reduce(0) { $0 + $1.count })
        var at = 0
        for p in parts {
            (out.pointer + at).update(from: p.pointer, count: p.count)
            at += p.count
        }
        return out
    }

    /// Runs the batch and returns logits [P, V] at `positions`. With `saveForBackward`, every layer's
    /// activations are kept so `backward` can follow.
    public func forward(_ batch: DecoderBatch, logitsAt positions: [LogitPosition],
                        saveForBackward: Bool) -> ForwardPass {
        let (H, N, V) = (config.hiddenSize, batch.rowCount, config.vocabSize)
        let W = attention.rowWidth
        let F = config.ffnSize
        let layout = attention.probabilityLayout(lengths: batch.sequences.map(\.count))
        let acts: Activations
        if let c = cached, c.fits(rows: N, probs: layout.total, saveForBackward: saveForBackward) {
            acts = c
        } else {
            cached = nil
            acts = Activations(config: config, rows: N, saveForBackward: saveForBackward, probsPerLayer: layout.total)
            cached = acts
        }
        rotary.reserve(batch.maxLength)
        embed(batch, into: acts.residual.pointer)

        for (l, block) in blocks.enumerated() {
            let s = saveForBackward ? l : 0
            let x = acts.residual.pointer + s * N * H
            let x1 = acts.mid.pointer + s * N * H
            let xOut = acts.residual.pointer + (saveForBackward ? (l + 1) : 0) * N * H
            let qkv = acts.qkv.pointer + s * N * W
            let probs = acts.probs.pointer + s * acts.probsPerLayer
            let gateUp = acts.gateUp.pointer + s * N * 2 * F

            // attention sublayer: x1 = x + Wo · attn(rope(Wqkv · norm(x)))
            RMSNorm.forward(x: x, gain: block.attentionNorm.pointer, eps: config.rmsNormEps, rows: N,
                            width: H, y: acts.normed.pointer, rstd: acts.rstd1.pointer + s * N)
            project(block.qkv, rows: N) {
                block.qkv.forward(acts.normed.pointer, count: N, into: qkv, scratch: acts.scratch)
            }
            if let bias = block.qkvBias { Elementwise.addBias(bias.pointer, to: qkv, rows: N, width: W, stride: W) }
            rotate(qkv, batch: batch, inverse: false)
            attention.forward(qkv: qkv, batch: batch, probOffsets: layout.offsets, probs: probs,
                              out: acts.attention.pointer)
            x1.update(from: x, count: N * H)
            project(block.output, rows: N) {
                block.output.forward(acts.attention.pointer, count: N, beta: 1, into: x1, scratch: acts.scratch)
            }

            // MLP sublayer: xOut = x1 + Wdown · swiglu(Wgate·n, Wup·n), n = norm(x1)
            RMSNorm.forward(x: x1, gain: block.ffnNorm.pointer, eps: config.rmsNormEps, rows: N,
                            width: H, y: acts.normed.pointer, rstd: acts.rstd2.pointer + s * N)
            project(block.gateUp, rows: N) {
                block.gateUp.forward(acts.normed.pointer, count: N, into: gateUp, scratch: acts.scratch)
            }
            SwiGLU.forward(gateUp: gateUp, rows: N, width: F, out: acts.activated.pointer)
            if xOut != x1 { xOut.update(from: x1, count: N * H) }
            project(block.down, rows: N) {
                block.down.forward(acts.activated.pointer, count: N, beta: 1, into: xOut, scratch: acts.scratch)
            }
        }

        // Final norm and head only at the requested rows: hidden [P, H] -> logits [P, V].
        let P = positions.count
        let last = acts.residual.pointer + (saveForBackward ? config.layerCount : 0) * N * H
        let finalHidden = FloatBuffer(count: P * H)
        let finalRstd = FloatBuffer(count: P)
        let normed = FloatBuffer(count: P * H)
        for (p, pos) in positions.enumerated() {
            let r = batch.row(sequence: pos.sequence, position: pos.position)
            (finalHidden.pointer + p * H).update(from: last + r * H, count: H)
        }
        RMSNorm.forward(x: finalHidden.pointer, gain: outputNorm.pointer, eps: config.rmsNormEps, rows: P,
                        width: H, y: normed.pointer, rstd: finalRstd.pointer)
        let logits = FloatBuffer(count: P * V)
        if P > 0 {
            gemm(.none, .transposed, m: P, n: V, k: H, a: normed.pointer, b: outputHead.pointer, c: logits.pointer)
        }
        return ForwardPass(logits: logits, positions: positions, batch: batch, activations: acts,
                           finalHidden: finalHidden, finalRstd: finalRstd, savedForBackward: saveForBackward,
                           probOffsets: layout.offsets)
    }

    /// Back-propagates dLogits [P, V] (the loss gradient at the forward's positions) to the inputs:
    /// returns dInput [N, H], the gradient with respect to every input embedding row.
    public func backward(_ pass: ForwardPass, logitGradient: FloatBuffer) -> FloatBuffer {
        precondition(pass.savedForBackward, "backward needs a forward pass run with saveForBackward")
        let acts = pass.activations
        let batch = pass.batch
        let (H, N, V, F) = (config.hiddenSize, batch.rowCount, config.vocabSize, config.ffnSize)
        let W = attention.rowWidth
        let P = pass.positions.count

        // Head and final norm: dHidden [P, H] = dLogits [P, V] · Wout [V, H], then RMSNorm backward,
        // scattered into dx [N, H].
        let dx = FloatBuffer(count: N * H)
        if P > 0 {
            let dNormed = FloatBuffer(count: P * H)
            gemm(.none, .none, m: P, n: H, k: V, a: logitGradient.pointer, b: outputHead.pointer, c: dNormed.pointer)
            let dHidden = FloatBuffer(count: P * H)
            RMSNorm.backward(x: pass.finalHidden.pointer, gain: outputNorm.pointer, rstd: pass.finalRstd.pointer,
                             dy: dNormed.pointer, rows: P, width: H, dx: dHidden.pointer, accumulate: false)
            for (p, pos) in pass.positions.enumerated() {
                let r = batch.row(sequence: pos.sequence, position: pos.position)
                Vector.axpy(1, dHidden.pointer + p * H, dx.pointer + r * H, H)
            }
        }

        // The forward's sublayer scratch holds the matching gradients now.
        let (dNormed, dActivated, dAttention) = (acts.normed, acts.activated, acts.attention)
        let (dGateUp, dqkv) = (acts.dGateUp, acts.dqkv)
        for l in stride(from: config.layerCount - 1, through: 0, by: -1) {
            let block = blocks[l]
            let x = acts.residual.pointer + l * N * H
            let x1 = acts.mid.pointer + l * N * H
            let qkv = acts.qkv.pointer + l * N * W
            let probs = acts.probs.pointer + l * acts.probsPerLayer
            let gateUp = acts.gateUp.pointer + l * N * 2 * F

            // MLP: dx holds dOut; dx1 = dOut + norm'ᵀ(Wgateᵀ dGate + Wupᵀ dUp)
            project(block.down, rows: N) {
                block.down.backward(dx.pointer, count: N, into: dActivated.pointer, scratch: acts.scratch)
            }
            SwiGLU.backward(gateUp: gateUp, dOut: dActivated.pointer, rows: N, width: F, dGateUp: dGateUp.pointer)
            project(block.gateUp, rows: N) {
                block.gateUp.backward(dGateUp.pointer, count: N, into: dNormed.pointer, scratch: acts.scratch)
            }
            RMSNorm.backward(x: x1, gain: block.ffnNorm.pointer, rstd: acts.rstd2.pointer + l * N,
                             dy: dNormed.pointer, rows: N, width: H, dx: dx.pointer, accumulate: true)

            // Attention: dx = dx1 + norm'ᵀ(Wqkvᵀ dqkv), dqkv from attention backward and inverse rotation.
            project(block.output, rows: N) {
                block.output.backward(dx.pointer, count: N, into: dAttention.pointer, scratch: acts.scratch)
            }
            attention.backward(qkv: qkv, probs: probs, dOut: dAttention.pointer, batch: batch,
                               probOffsets: pass.probOffsets, dqkv: dqkv.pointer)
            rotate(dqkv.pointer, batch: batch, inverse: true)
            project(block.qkv, rows: N) {
                block.qkv.backward(dqkv.pointer, count: N, into: dNormed.pointer, scratch: acts.scratch)
            }
            RMSNorm.backward(x: x, gain: block.attentionNorm.pointer, rstd: acts.rstd1.pointer + l * N,
                             dy: dNormed.pointer, rows: N, width: H, dx: dx.pointer, accumulate: true)
        }
        return dx
    }

    /// Runs one block projection of `rows` rows, through the meter when one is attached.
    private func project(_ matrix: FrozenMatrix, rows: Int, _ body: () -> Void) {
        if let meter = projectionMeter { meter.measure(matrix, rows: rows, body) } else { body() }
    }

    /// Writes the input rows [N, H]: token embeddings, or the caller's vectors for `.embedding(i)`.
    private func embed(_ batch: DecoderBatch, into x: UnsafeMutablePointer<Float>) {
        let H = config.hiddenSize
        for (b, sequence) in batch.sequences.enumerated() {
            for (t, item) in sequence.enumerated() {
                let dst = x + batch.row(sequence: b, position: t) * H
                switch item {
                case .token(let id):
                    precondition(id >= 0 && id < config.vocabSize, "token id \(id) outside the vocabulary")
                    dst.update(from: tokenEmbedding.pointer + id * H, count: H)
                case .embedding(let e):
                    guard let table = batch.embeddings, (e + 1) * H <= table.count else {
                        preconditionFailure("embedding row \(e) not in the batch's embedding table")
                    }
                    dst.update(from: table.pointer + e * H, count: H)
                }
            }
        }
    }

    /// Rotates the query and key heads of every row of qkv [N, W] by its position in its sequence.
    private func rotate(_ qkv: UnsafeMutablePointer<Float>, batch: DecoderBatch, inverse: Bool) {
        let W = attention.rowWidth
        let heads = config.headCount + config.kvHeadCount
        let rotary = self.rotary
        let positions = batch.sequences.flatMap { $0.indices }
        parallelFor(positions.count, minChunk: 16) { range in
            for r in range {
                // Query heads and key heads are adjacent columns, so one call rotates both.
                rotary.rotate(qkv + r * W, heads: heads, position: positions[r], inverse: inverse)
            }
        }
    }
}
