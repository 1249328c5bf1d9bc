/// Floating-point operation counts of the decoder's work, for reporting achieved GFLOP/s.
/// A multiply-add counts as two operations.
public extension DecoderConfig {
    /// GEMM and attention operations of one forward pass over the batch's rows (a shared beginning
    /// counts once), with the output head evaluated at `logitRows` distinct positions. The last layer's
    /// output projection and MLP run at those rows only.
    func forwardFlops(_ batch: DecoderBatch, logitRows: Int) -> Double {
        let (H, F) = (Double(hiddenSize), Double(ffnSize))
        let W = Double(queryWidth + 2 * kvWidth)
        let qkvPerToken = 2 * H * W
        let restPerToken = 2 * Double(queryWidth) * H + 2 * H * 2 * F + 2 * F * H
        let tokens = Double(batch.rowCount)
        let layers = Double(layerCount)
        return layers * (tokens * qkvPerToken + attentionFlops(batch)) + (layers - 1) * tokens * restPerToken
            + Double(logitRows) * restPerToken + 2 * Double(logitRows) * H * Double(vocabSize)
    }

    /// Operations of the backward pass to every input row (`InputGradient.everyRow`, which is also the
    /// work of `.embeddingRows` on a batch without embedding-free rows): the same GEMMs transposed (no
    /// weight gradients), and twice the attention work (dP, dV, dQ, dK).
    func backwardFlops(_ batch: DecoderBatch, logitRows: Int) -> Double {
        forwardFlops(batch, logitRows: logitRows) + Double(layerCount) * attentionFlops(batch)
    }

    /// One layer's attention forward: scores and weighted sum, a multiply-add per head dimension for
    /// each (row, visible row) pair: a segment's m rows see its C context rows and themselves causally.
    private func attentionFlops(_ batch: DecoderBatch) -> Double {
        let pairs = batch.segments.reduce(0.0) { total, s in
            let (m, C) = (Double(s.rows.count), Double(s.contextLength))
            return total + m * C + m * (m + 1) / 2
        }
        return 2 * 2 * pairs * Double(headDim) * Double(headCount)
    }
}
