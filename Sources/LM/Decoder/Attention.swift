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

    /// qkv [N, W] -> out [N, nh*d]; writes probs.
    func forward(qkv: UnsafePointer<Float>, batch: DecoderBatch, probOffsets: [Int],
                 probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let lengths = batch.sequences.map(\.count)
        let tasks = lengths.count * headCount
        let (W, Q, d, scale) = (rowWidth, queryWidth, headDim, scale)
        parallelFor(tasks) { range in
            for task in range {
                let b = task / headCount, h = task % headCount, g = h / groupSize
                let L = lengths[b], o = batch.offsets[b]
                let p = probs + probOffsets[b] + h * L * L
                let keys = qkv + o * W + Q + g * d
                let values = keys + kvWidth
                for i in 0..<L {
                    let q = qkv + (o + i) * W + h * d
                    let row = p + i * L
                    for j in 0...i { row[j] = scale * Vector.dot(q, keys + j * W, d) }
                    Softmax.forward(row, rows: 1, width: L, causalOffset: i)
                    let y = out + (o + i) * Q + h * d
                    y.update(repeating: 0, count: d)
                    for j in 0...i { Vector.axpy(row[j], values + j * W, y, d) }
                }
            }
        }
    }

    /// dOut [N, nh*d] -> dqkv [N, W] (fully overwritten), given the forward's qkv and probs.
    func backward(qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                  batch: DecoderBatch, probOffsets: [Int], dqkv: UnsafeMutablePointer<Float>) {
        let lengths = batch.sequences.map(\.count)
        let maxLength = lengths.max() ?? 0
        let (W, Q, d, scale) = (rowWidth, queryWidth, headDim, scale)
        // One task per (sequence, key/value head): dK and dV of a group are sums over its query heads.
        let tasks = lengths.count * kvHeadCount
        parallelFor(tasks) { range in
            let dp = UnsafeMutablePointer<Float>.allocate(capacity: max(maxLength, 1))
            defer { dp.deallocate() }
            for task in range {
                let b = task / kvHeadCount, g = task % kvHeadCount
                let L = lengths[b], o = batch.offsets[b]
                let keys = qkv + o * W + Q + g * d
                let values = keys + kvWidth
                let dKeys = dqkv + o * W + Q + g * d
                let dValues = dKeys + kvWidth
                for j in 0..<L {
                    (dKeys + j * W).update(repeating: 0, count: d)
                    (dValues + j * W).update(repeating: 0, count: d)
                }
                for h in g * groupSize..<(g + 1) * groupSize {
                    let p = probs + probOffsets[b] + h * L * L
                    for i in 0..<L {
                        let row = p + i * L
                        let dy = dOut + (o + i) * Q + h * d
                        // dP[i, j] = dy . v_j ; dV_j += P[i, j] * dy
                        var dot: Float = 0
                        for j in 0...i {
                            let dpij = Vector.dot(dy, values + j * W, d)
                            dp[j] = dpij
                            dot += dpij * row[j]
                            Vector.axpy(row[j], dy, dValues + j * W, d)
                        }
                        // dS[i, j] = P[i, j] * (dP[i, j] - sum_j P dP); dq_i = scale * sum_j dS k_j;
                        // dk_j += scale * dS[i, j] * q_i
                        let q = qkv + (o + i) * W + h * d
                        let dq = dqkv + (o + i) * W + h * d
                        dq.update(repeating: 0, count: d)
                        for j in 0...i {
                            let ds = scale * row[j] * (dp[j] - dot)
                            Vector.axpy(ds, keys + j * W, dq, d)
                            Vector.axpy(ds, q, dKeys + j * W, d)
                        }
                    }
                }
            }
        }
    }
}
