import CVector

/// The rotation of rotary position embeddings, on a row's heads in place (`ptune_rotate_heads`, in C for
/// the CPU's widest registers: Swift's SIMD types compile to SSE2 here). Pair i of each head turns by
/// the angle whose cosine and sine are cos[i] and sin[i], backwards with `inverse`; the pair is
/// dimensions (2i, 2i + 1) with `adjacentPairs`, else (i, i + headDim / 2).
public enum HeadRotation {
    /// row [heads, headDim]; cos and sin [headDim / 2], the angles of the row's position.
    public static func rotate(_ row: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cos: UnsafePointer<Float>,
                              sin: UnsafePointer<Float>, inverse: Bool, adjacentPairs: Bool) {
        ptune_rotate_heads(row, heads, headDim, cos, sin, inverse ? -1 : 1, adjacentPairs ? 1 : 0)
    }
}
