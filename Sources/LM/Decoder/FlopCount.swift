/// Floating-point operation counts of the decoder's work, for reporting achieved GFLOP/s.
/// A multiply-add counts as two operations.
public extension DecoderConfig {
    /// GEMM and attention operations of one forward pass over sequences of the given lengths, with the
    /// output head evaluated at `logitRows` distinct positions. The last layer's output projection and
    /// MLP run at those rows only.
    func forwardFlops(lengths: [Int], logitRows: Int) -> Double {
        let (H, F) = (Double(hiddenSize), Double(ffnSize))
        let W = Double(queryWidth + 2 * kvWidth)
        let qkvPerToken = 2 * H * W
        let restPerToken = 2 * Double(queryWidth) * H + 2 * H * 2 * F + 2 * F * H
        let tokens = Double(lengths.reduce(0, +))
        // Causal attention: scores and weighted sum, each sum_i (i + 1) * d multiply-adds per head.
        let pairs = lengths.reduce(0.0) { $0 + Double($1) * Double($1 + 1) / 2 }
        let attention = 2 * 2 * pairs * Double(headDim) * Double(headCount)
        let layers = Double(layerCount)
        return layers * (tokens * qkvPerToken + attention) + (layers - 1) * tokens * restPerToken
            + Double(logitRows) * restPerToken + 2 * Double(logitRows) * H * Double(vocabSize)
    }

    /// Operations of the backward pass to the inputs: the same GEMMs transposed (no weight gradients),
    /// and twice the attention work (dP, dV, dQ, dK).
    func backwardFlops(lengths: [Int], logitRows: Int) -> Double {
        let pairs = lengths.reduce(0.0) { $0 + Double($1) * Double($1 + 1) / 2 }
        let attention = 2 * 2 * pairs * Double(headDim) * Double(headCount)
        return forwardFlops(lengths: lengths, logitRows: logitRows) + Double(layerCount) * attention
    }
}
