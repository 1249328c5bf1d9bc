import CVector

/// The small products of one (segment, head) of causal attention, in C for the CPU's widest registers
/// (`ptune_attention_*`): each one a few dozen rows and columns, where an sgemm call's set-up and
/// packing cost as much as its arithmetic. Key j is seen by row i when j ≤ i + causalOffset (nil: by
/// every row); the products skip what no row sees. Each sum runs over one index in order with fused
/// multiply-adds, so the AVX-512 and AVX2 compilations give the same bits; the portable one, for CPUs
/// without fused multiply-adds, rounds each product and sum.
public enum AttentionProducts {
    /// The row stride of a transposed block of `keys` columns: whole groups of sixteen.
    public static func transposedStride(keys: Int) -> Int { (keys + 15) & ~15 }

    /// xt[k, j] = x[j, k] for j < rows, k < d: keys (or values) as `scores` reads them.
    public static func transpose(_ x: UnsafePointer<Float>, rows: Int, d: Int, ldx: Int,
                                 into xt: UnsafeMutablePointer<Float>, ldt: Int) {
        ptune_attention_transpose(x, rows, d, ldx, xt, ldt)
    }

    /// c[i, j] = alpha Σ_k a[i, k] bt[k, j] for i < m and the keys j < n that row i sees; a [m, d] with row
    /// stride lda, bt [d, ldbt] with ldbt ≥ `transposedStride(keys: n)`. Entries of row i past the keys it
    /// sees may be written too: softmax and its backward set them.
    public static func scores(m: Int, n: Int, d: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                              bt: UnsafePointer<Float>, ldbt: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
                              causalOffset: Int?) {
        ptune_attention_scores(m, n, d, alpha, a, lda, bt, ldbt, c, ldc, causalOffset ?? -1)
    }

    /// y[i, :d] = alpha Σ_j p[i, j] x[j, :d] + beta y[i, :d] for i < m (y not read when beta is 0); p [m, n]
    /// with row stride ldp must be 0 where row i does not see key j, as softmax leaves it.
    public static func weighted(m: Int, n: Int, d: Int, alpha: Float = 1, p: UnsafePointer<Float>, ldp: Int,
                                x: UnsafePointer<Float>, ldx: Int, beta: Float, into y: UnsafeMutablePointer<Float>,
                                ldy: Int, causalOffset: Int?) {
        ptune_attention_weighted(m, n, d, alpha, p, ldp, x, ldx, beta, y, ldy, causalOffset ?? -1)
    }

    /// g[j, :d] = alpha Σ_i p[i, j] x[i, :d] + beta g[j, :d] for j < n (g not read when beta is 0); p as for
    /// `weighted`.
    public static func weightedTransposed(m: Int, n: Int, d: Int, alpha: Float = 1, p: UnsafePointer<Float>,
                                          ldp: Int, x: UnsafePointer<Float>, ldx: Int, beta: Float,
                                          into g: UnsafeMutablePointer<Float>, ldg: Int, causalOffset: Int?) {
        ptune_attention_weighted_transposed(m, n, d, alpha, p, ldp, x, ldx, beta, g, ldg, causalOffset ?? -1)
    }
}
