import Foundation
import Tensor

/// Causal grouped-query self-attention over packed sequences, forward and backward to Q, K and V.
///
/// Layout: qkv [N, W] with W = nh*d + 2*nkv*d; columns [0, nh*d) hold the query heads, then the key
/// heads, then the value heads. Query head h reads key/value head h / (nh / nkv).
/// Probabilities of sequence b, head h live at probs[probOffsets[b] + h * L_b * L_b], [L_b, L_b]
/// row-major, zero above the diagonal.
struct Attention {
    let headCount: Int
    let kvHeadCount: Int
    let headDim: Int

    var queryWidth: Int { headCount * headDim }
    var kvWidth: Int { kvHeadCount * headDim }
    var rowWidth: Int { queryWidth + 2 * kvWidth }
    var groupSize: Int { headCount / kvHeadCount }
    var scale: Float { 1 / Float(headDim).squareRoot() }

    /// Offsets of each sequence's probability block, and the total size.
    func probabilityLayout(lengths: [Int]) -> (offsets: [Int], total: Int) {
        var offsets: [Int] = []
        var total = 0
        for l in lengths {
            offsets.append(total)
            total += headCount * l * l
        }
        return (offsets, total)
    }

    /// Sequence indices by length, longest first. Tasks are dealt round robin in this order to one lane
    /// per thread, so sequences of different lengths (cost grows with L²) spread evenly.
    static func longestFirst(_ lengths: [Int]) -> [Int] {
        lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
    }

    /// Deals tasks 0..<count round robin to one lane per thread and runs `lane(tasks)` for each lane,
    /// the lanes in parallel.
    static func dealt(_ count: Int, _ lane: (StrideTo<Int>) -> Void) {
        let lanes = min(Threads.count, count)
        parallelFor(lanes) { range in
            for first in range { lane(stride(from: first, to: count, by: lanes)) }
        }
    }

    /// qkv [N, W] -> out [N, nh*d]; writes probs. Per (sequence, head): S = scale·Q Kᵀ [L, L], a
    /// causal softmax row by row, then Y = P V [L, d], as small single-threaded products.
    func forward(qkv: UnsafePointer<Float>, batch: DecoderBatch, probOffsets: [Int],
                 probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let lengths = batch.sequences.map(\.count)
        let order = Self.longestFirst(lengths)
        let (W, Q, d, scale) = (rowWidth, queryWidth, headDim, scale)
        Self.dealt(lengths.count * headCount) { tasks in
            for task in tasks {
                let b = order[task / headCount], h = task % headCount, g = h / groupSize
                let L = lengths[b], o = batch.offsets[b]
                let p = probs + probOffsets[b] + h * L * L
                let queries = qkv + o * W + h * d
                let keys = qkv + o * W + Q + g * d
                let values = keys + kvWidth
                singleThreadGEMM(.none, .transposed, m: L, n: L, k: d, alpha: scale, a: queries, lda: W,
                                 b: keys, ldb: W, c: p, ldc: L)
                Softmax.forward(p, rows: L, width: L, causalOffset: 0)
                singleThreadGEMM(.none, .none, m: L, n: d, k: L, a: p, lda: L, b: values, ldb: W,
                                 c: out + o * Q + h * d, ldc: Q)
            }
        }
    }

    /// dOut [N, nh*d] -> dqkv [N, W] (fully overwritten), given the forward's qkv and probs.
    /// Per (sequence, key/value head), over the group's query heads h:
    ///   dP = dY Vᵀ, dV += Pᵀ dY, dS = P ∘ (dP − rowsum(P ∘ dP)), dQ = scale·dS K, dK += scale·dSᵀ Q.
    func backward(qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                  batch: DecoderBatch, probOffsets: [Int], dqkv: UnsafeMutablePointer<Float>) {
        let lengths = batch.sequences.map(\.count)
        let maxLength = lengths.max() ?? 0
        let (W, Q, d, scale) = (rowWidth, queryWidth, headDim, scale)
        let order = Self.longestFirst(lengths)
        Self.dealt(lengths.count * kvHeadCount) { tasks in
            // dP, then dS in place: [L, L]
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(maxLength * maxLength, 1))
            defer { scores.deallocate() }
            for task in tasks {
                let b = order[task / kvHeadCount], g = task % kvHeadCount
                let L = lengths[b], o = batch.offsets[b]
                let keys = qkv + o * W + Q + g * d
                let values = keys + kvWidth
                let dKeys = dqkv + o * W + Q + g * d
                let dValues = dKeys + kvWidth
                for h in g * groupSize..<(g + 1) * groupSize {
                    let p = probs + probOffsets[b] + h * L * L
                    let dy = dOut + o * Q + h * d
                    let queries = qkv + o * W + h * d
                    let accumulate: Float = h == g * groupSize ? 0 : 1
                    singleThreadGEMM(.none, .transposed, m: L, n: L, k: d, a: dy, lda: Q, b: values, ldb: W,
                                     c: scores, ldc: L)
                    singleThreadGEMM(.transposed, .none, m: L, n: d, k: L, a: p, lda: L, b: dy, ldb: Q,
                                     beta: accumulate, c: dValues, ldc: W)
                    Softmax.backward(p: p, dp: scores, rows: L, width: L)
                    singleThreadGEMM(.none, .none, m: L, n: d, k: L, alpha: scale, a: scores, lda: L, b: keys,
                                     ldb: W, c: dqkv + o * W + h * d, ldc: W)
                    singleThreadGEMM(.transposed, .none, m: L, n: d, k: L, alpha: scale, a: scores, lda: L,
                                     b: queries, ldb: W, beta: accumulate, c: dKeys, ldc: W)
                }
            }
        }
    }
}
