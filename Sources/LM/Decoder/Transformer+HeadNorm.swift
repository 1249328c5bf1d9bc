import Tensor

/// The sandwich layout's RMSNorm over each query and key head (`BlockLayout.normsQueryKeyHeads`),
/// applied between the QKV projection and the rotation.
extension Transformer {
    /// The query part and the key part of a qkv row: their column offset, width, head count and gain.
    private func headParts(_ norms: SandwichNorms) -> [(offset: Int, width: Int, heads: Int, gain: FloatBuffer)] {
        [(0, config.queryWidth, config.headCount, norms.query),
         (config.queryWidth, config.kvWidth, config.kvHeadCount, norms.key)]
    }

    /// Normalises every query head of rows `rows` of qkv [N, W] with the query gain and every key head
    /// with the key gain, in place. The heads as they were go to slot `s` of `acts.headsRaw` ([N·nh, d]
    /// query heads, then [N·nkv, d] key heads), their rstd to `acts.headsRstd`; `acts.attention` is the
    /// scratch.
    func normHeads(_ qkv: UnsafeMutablePointer<Float>, norms: SandwichNorms, rows: Range<Int>, batchRows N: Int,
                   slot s: Int, acts: Activations) {
        let (W, d, first, n) = (attention.rowWidth, config.headDim, rows.lowerBound, rows.count)
        var raw = acts.headsRaw.pointer + s * N * (config.queryWidth + config.kvWidth)
        var rstd = acts.headsRstd.pointer + s * N * (config.headCount + config.kvHeadCount)
        let (normed, heads) = (acts.attention.pointer, qkv + first * W)
        for part in headParts(norms) {
            let (rowsRaw, rowsRstd) = (raw + first * part.width, rstd + first * part.heads)
            Self.copyColumns(n, part.width, from: heads + part.offset, stride: W, into: rowsRaw, stride: part.width)
            RMSNorm.forward(x: rowsRaw, gain: part.gain.pointer, eps: config.rmsNormEps, rows: n * part.heads, width: d,
                            y: normed, rstd: rowsRstd)
            Self.copyColumns(n, part.width, from: normed, stride: part.width, into: heads + part.offset, stride: W)
            raw += N * part.width
            rstd += N * part.heads
        }
    }

    /// The backward of `normHeads` over rows `rows` of a batch of N: their query and key columns of dqkv
    /// [N, W], the gradient of the normed heads, become the gradient of the heads before it. `scratch`
    /// holds at least rows.count·nh·d floats.
    func normHeadsBackward(_ dqkv: UnsafeMutablePointer<Float>, norms: SandwichNorms, rows: Range<Int>, batchRows N: Int,
                           slot s: Int, acts: Activations, scratch: UnsafeMutablePointer<Float>) {
        let (W, d, first, n) = (attention.rowWidth, config.headDim, rows.lowerBound, rows.count)
        var raw = acts.headsRaw.pointer + s * N * (config.queryWidth + config.kvWidth)
        var rstd = acts.headsRstd.pointer + s * N * (config.headCount + config.kvHeadCount)
        let gradient = dqkv + first * W
        for part in headParts(norms) {
            Self.copyColumns(n, part.width, from: gradient + part.offset, stride: W, into: scratch, stride: part.width)
            RMSNorm.backward(x: raw + first * part.width, gain: part.gain.pointer, rstd: rstd + first * part.heads,
                             dy: scratch, rows: n * part.heads, width: d, dx: scratch, accumulate: false)
            Self.copyColumns(n, part.width, from: scratch, stride: part.width, into: gradient + part.offset, stride: W)
            raw += N * part.width
            rstd += N * part.heads
        }
    }

    /// Copies `width` columns of `rows` rows between two row strides.
    static func copyColumns(_ rows: Int, _ width: Int, from source: UnsafePointer<Float>, stride sourceStride: Int,
                            into target: UnsafeMutablePointer<Float>, stride targetStride: Int) {
        for r in 0..<rows { (target + r * targetStride).update(from: source + r * sourceStride, count: width) }
    }
}
