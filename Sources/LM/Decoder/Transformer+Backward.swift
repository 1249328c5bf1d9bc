import Tensor

/// Which input rows `Transformer.backward` differentiates.
public enum InputGradient: Sendable {
    /// Every packed row.
    case everyRow
    /// The rows an `.embedding` input reaches, from `DecoderBatch.embeddingFreeRows` on: all that
    /// P-tuning reads. Every layer's backward skips the rows before (a template's text ahead of its
    /// first pseudo token), whose gradient is left zero.
    case embeddingRows
}

/// The decoder's backward pass, from the logits' gradient to the gradient of its input rows (the
/// weights are frozen, so no weight gradient is ever formed).
extension Transformer {
    /// Back-propagates dLogits [P, V] (the loss gradient at the forward's positions) to the inputs:
    /// returns dInput [N, H], the gradient with respect to the packed input rows `inputs` names (a row
    /// several sequences share holds the sum of their gradients; `DecoderBatch.row` finds a position's
    /// row), zero at the others. After a pass that read a `PrefixCache`, `inputs` must be
    /// `.embeddingRows`.
    public func backward(_ pass: ForwardPass, logitGradient: FloatBuffer, to inputs: InputGradient = .everyRow)
        -> FloatBuffer {
        precondition(pass.savedForBackward, "backward needs a forward pass run with saveForBackward")
        let acts = pass.activations
        let batch = pass.batch
        let (H, N) = (config.hiddenSize, batch.rowCount)
        // Rows first..<N are differentiated, n of them.
        let first = inputs == .everyRow ? 0 : batch.embeddingFreeRows
        precondition(first >= pass.prefix?.firstComputedRow ?? 0,
                     "a pass that read its embedding-free rows from the cache goes back to the embedding rows only")
        let n = N - first
        let (W, Q) = (attention.rowWidth, config.queryWidth)
        let P = pass.positions.count
        let (kept, slotOf) = (pass.keptRows, pass.slotOfPosition)
        let K = kept.count
        let recomputing = acts.keeping == .layerInputs

        // Head and final norm: dHidden [P, H] = dLogits [P, V] · Wout [V, H], then RMSNorm backward,
        // summed into dKept [K, H], the gradient of the last layer's kept rows.
        let dKept = FloatBuffer(count: K * H)
        if P > 0 {
            let dNormed = FloatBuffer(count: P * H)
            outputHead.backward(logitGradient.pointer, count: P, into: dNormed.pointer, scratch: acts.scratch)
            let dHidden = FloatBuffer(count: P * H)
            RMSNorm.backward(x: pass.finalHidden.pointer, gain: outputNorm.pointer, rstd: pass.finalRstd.pointer,
                             dy: dNormed.pointer, rows: P, width: H, dx: dHidden.pointer, accumulate: false)
            for p in 0..<P {
                Vector.axpy(1, dHidden.pointer + p * H, dKept.pointer + slotOf[p] * H, H)
            }
        }

        // The forward's sublayer scratch holds the matching gradients now.
        let (dNormed, dAttention, dqkv) = (acts.normed, acts.attention, acts.dqkv)
        let dx = FloatBuffer(count: N * H)
        for l in stride(from: config.layerCount - 1, through: 0, by: -1) {
            let block = blocks[l]
            let x = acts.residual.pointer + l * N * H
            let s = recomputing ? 0 : l
            if recomputing {
                layerForward(l, x: x, slot: s, batch: batch, kept: kept, prefix: pass.prefix, acts: acts, output: nil)
            }
            let qkv = acts.qkv.pointer + s * N * W

            // MLP and output projection: dx holds dOut; dx1 = dOut + norm'ᵀ(Wgateᵀ dGate + Wupᵀ dUp),
            // then dAttention = [norm'ᵀ](dx1) Wo. The last layer ran them on its kept rows only.
            if l < config.layerCount - 1 {
                mlpBackward(block, slot: s, batchRows: N, rows: first..<N, dx: dx.pointer + first * H, acts: acts)
                let dOutput = sublayerGradient(postNorm: block.sandwich?.attentionOutput, dy: dx.pointer + first * H,
                                               rows: n, saved: acts.attentionOut.pointer + (s * N + first) * H,
                                               rstd: acts.attentionOutRstd.pointer + s * N + first, acts: acts)
                project(block.output, rows: n) {
                    block.output.backward(dOutput, count: n, into: dAttention.pointer + first * Q, scratch: acts.scratch)
                }
            } else {
                dAttention.pointer.update(repeating: 0, count: N * Q)
                if K > 0 {
                    mlpBackward(block, slot: s, batchRows: N, rows: 0..<K, dx: dKept.pointer, acts: acts)
                    let dOutput = sublayerGradient(postNorm: block.sandwich?.attentionOutput, dy: dKept.pointer, rows: K,
                                                   saved: acts.attentionOut.pointer + s * N * H,
                                                   rstd: acts.attentionOutRstd.pointer + s * N, acts: acts)
                    let dAttended = FloatBuffer(count: K * Q)
                    project(block.output, rows: K) {
                        block.output.backward(dOutput, count: K, into: dAttended.pointer, scratch: acts.scratch)
                    }
                    Self.scatterAdd(kept, from: dAttended.pointer, width: Q, into: dAttention.pointer)
                    Self.scatterAdd(kept, from: dKept.pointer, width: H, into: dx.pointer)
                }
            }

            // Attention: dx = dx1 + norm'ᵀ(Wqkvᵀ dqkv), dqkv from attention backward, inverse rotation
            // and, in the sandwich layout, the head norms' backward.
            attention.backward(qkv: qkv, dOut: dAttention.pointer, batch: batch, window: config.window(layer: l),
                               dqkv: dqkv.pointer, lanes: acts.laneScratch(), kept: acts.probabilities(layer: s),
                               firstRow: first)
            rotate(dqkv.pointer, batch: batch, layer: l, inverse: true, rows: first..<N)
            if let norms = block.sandwich {
                normHeadsBackward(dqkv.pointer, norms: norms, rows: first..<N, batchRows: N, slot: s, acts: acts,
                                  scratch: dAttention.pointer)
            }
            project(block.qkv, rows: n) {
                block.qkv.backward(dqkv.pointer + first * W, count: n, into: dNormed.pointer, scratch: acts.scratch)
            }
            RMSNorm.backward(x: x + first * H, gain: block.attentionNorm.pointer, rstd: acts.rstd1.pointer + s * N + first,
                             dy: dNormed.pointer, rows: n, width: H, dx: dx.pointer + first * H, accumulate: true)
        }
        // Rows before `first` are not differentiated: zero, even where the last layer added a kept row's
        // gradient there.
        dx.pointer.update(repeating: 0, count: first * H)
        let scale = config.embeddingScale
        if scale != 1 {
            for i in 0..<N * H { dx[i] *= scale }
        }
        return dx
    }

    /// Backward of the MLP sublayer over rows `rows` of slot `s` (of a batch of N rows): dx [rows, H]
    /// holds dOut and becomes dx1.
    func mlpBackward(_ block: Block, slot s: Int, batchRows N: Int, rows: Range<Int>, dx: UnsafeMutablePointer<Float>,
                     acts: Activations) {
        let (H, F) = (config.hiddenSize, config.ffnSize)
        let (n, r) = (rows.count, s * N + rows.lowerBound)
        let (dNormed, dActivated) = (acts.normed, acts.activated)
        let dDown = sublayerGradient(postNorm: block.sandwich?.ffnOutput, dy: dx, rows: n,
                                     saved: acts.ffnOut.pointer + r * H, rstd: acts.ffnOutRstd.pointer + r,
                                     acts: acts)
        project(block.down, rows: n) {
            block.down.backward(dDown, count: n, into: dActivated.pointer, scratch: acts.scratch)
        }
        // The gate's backward makes the gate/up projection's operand a block of rows at a time, from the
        // kept rows: where the product rounds its operand, dGateUp [n, 2F] is never written whole.
        let (activation, kept, dOut) = (config.architecture.block.activation, acts.gateUp, UnsafePointer(dActivated.pointer))
        let (staging, offset) = (acts.dGateUp.buffer(of: Float.self, count: n * 2 * F), rows.lowerBound)
        project(block.gateUp, rows: n) {
            block.gateUp.backward(.made({ first, count, out in
                activation.backwardOnThisThread(gateUp: kept.rows(slot: s, offset + first..<offset + first + count),
                                                dOut: dOut + first * F, rows: count, width: F, dGateUp: out)
            }, staging: staging), count: n, into: dNormed.pointer, scratch: acts.scratch)
        }
        RMSNorm.backward(x: acts.mid.kept(slot: s, rows), gain: block.ffnNorm.pointer, rstd: acts.rstd2.pointer + r,
                         dy: dNormed.pointer, rows: n, width: H, dx: dx, accumulate: true)
    }

    /// The gradient of a sublayer's output before it joins the residual stream, given dy [rows, H], the
    /// residual's: dy itself, or with a `postNorm` the norm's backward at the `saved` output (into
    /// `acts.dSublayer`).
    private func sublayerGradient(postNorm: FloatBuffer?, dy: UnsafePointer<Float>, rows: Int,
                                  saved: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                  acts: Activations) -> UnsafePointer<Float> {
        guard let postNorm else { return dy }
        RMSNorm.backward(x: saved, gain: postNorm.pointer, rstd: rstd, dy: dy, rows: rows, width: config.hiddenSize,
                         dx: acts.dSublayer.pointer, accumulate: false)
        return UnsafePointer(acts.dSublayer.pointer)
    }
}
