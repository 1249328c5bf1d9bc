import Tensor

/// The decoder's backward pass, from the logits' gradient to the gradient of its input rows (the
/// weights are frozen, so no weight gradient is ever formed).
extension Transformer {
    /// Back-propagates dLogits [P, V] (the loss gradient at the forward's positions) to the inputs:
    /// returns dInput [N, H], the gradient with respect to every packed input row (a row several
    /// sequences share holds the sum of their gradients; `DecoderBatch.row` finds a position's row).
    public func backward(_ pass: ForwardPass, logitGradient: FloatBuffer) -> FloatBuffer {
        precondition(pass.savedForBackward, "backward needs a forward pass run with saveForBackward")
        let acts = pass.activations
        let batch = pass.batch
        let (H, N) = (config.hiddenSize, batch.rowCount)
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
                layerForward(l, x: x, slot: s, batch: batch, kept: kept, acts: acts, output: nil)
            }
            let qkv = acts.qkv.pointer + s * N * W

            // MLP and output projection: dx holds dOut; dx1 = dOut + norm'ᵀ(Wgateᵀ dGate + Wupᵀ dUp),
            // then dAttention = [norm'ᵀ](dx1) Wo. The last layer ran them on its kept rows only.
            if l < config.layerCount - 1 {
                mlpBackward(block, slot: s, batchRows: N, rows: N, dx: dx.pointer, acts: acts)
                let dOutput = sublayerGradient(postNorm: block.sandwich?.attentionOutput, dy: dx.pointer, rows: N,
                                               saved: acts.attentionOut.pointer + s * N * H,
                                               rstd: acts.attentionOutRstd.pointer + s * N, acts: acts)
                project(block.output, rows: N) {
                    block.output.backward(dOutput, count: N, into: dAttention.pointer, scratch: acts.scratch)
                }
            } else {
                dAttention.pointer.update(repeating: 0, count: N * Q)
                if K > 0 {
                    mlpBackward(block, slot: s, batchRows: N, rows: K, dx: dKept.pointer, acts: acts)
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
                               dqkv: dqkv.pointer, lanes: acts.laneScratch(), kept: acts.probabilities(layer: s))
            rotate(dqkv.pointer, batch: batch, layer: l, inverse: true)
            if let norms = block.sandwich {
                normHeadsBackward(dqkv.pointer, norms: norms, rows: N, slot: s, acts: acts, scratch: dAttention.pointer)
            }
            project(block.qkv, rows: N) {
                block.qkv.backward(dqkv.pointer, count: N, into: dNormed.pointer, scratch: acts.scratch)
            }
            RMSNorm.backward(x: x, gain: block.attentionNorm.pointer, rstd: acts.rstd1.pointer + s * N,
                             dy: dNormed.pointer, rows: N, width: H, dx: dx.pointer, accumulate: true)
        }
        let scale = config.embeddingScale
        if scale != 1 {
            for i in 0..<N * H { dx[i] *= scale }
        }
        return dx
    }

    /// Backward of the MLP sublayer over `rows` rows of slot `s` (of a batch of N rows): dx [rows, H]
    /// holds dOut and becomes dx1.
    func mlpBackward(_ block: Block, slot s: Int, batchRows N: Int, rows n: Int, dx: UnsafeMutablePointer<Float>,
                     acts: Activations) {
        let (H, F) = (config.hiddenSize, config.ffnSize)
        let (dNormed, dActivated) = (acts.normed, acts.activated)
        let dDown = sublayerGradient(postNorm: block.sandwich?.ffnOutput, dy: dx, rows: n,
                                     saved: acts.ffnOut.pointer + s * N * H, rstd: acts.ffnOutRstd.pointer + s * N,
                                     acts: acts)
        project(block.down, rows: n) {
            block.down.backward(dDown, count: n, into: dActivated.pointer, scratch: acts.scratch)
        }
        // The gate's backward makes the gate/up projection's operand a block of rows at a time, from the
        // kept rows: where the product rounds its operand, dGateUp [n, 2F] is never written whole.
        let (activation, kept, dOut) = (config.architecture.block.activation, acts.gateUp, UnsafePointer(dActivated.pointer))
        let staging = acts.dGateUp.buffer(of: Float.self, count: n * 2 * F)
        project(block.gateUp, rows: n) {
            block.gateUp.backward(.made({ first, count, out in
                activation.backwardOnThisThread(gateUp: kept.rows(slot: s, first..<first + count), dOut: dOut + first * F,
                                                rows: count, width: F, dGateUp: out)
            }, staging: staging), count: n, into: dNormed.pointer, scratch: acts.scratch)
        }
        RMSNorm.backward(x: acts.mid.kept(slot: s, count: n), gain: block.ffnNorm.pointer, rstd: acts.rstd2.pointer + s * N,
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
