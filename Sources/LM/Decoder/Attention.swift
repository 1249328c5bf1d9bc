import Foundation
import Tensor

/// Causal grouped-query self-attention over a packed batch, forward and backward to Q, K and V.
///
/// Layout: qkv [N, W] with W = nh*d + 2*nkv*d; columns [0, nh*d) hold the query heads, then the key
/// heads, then the value heads. Query head h reads key/value head h / (nh / nkv).
/// Work is per segment of the batch (`DecoderBatch.Segment`): its m rows attend to its C context rows
/// and causally to themselves. A (segment, head)'s probabilities, [m, C + m] row-major (the context
/// columns block by block, then the segment's own, zero above its diagonal), live only in a lane's
/// scratch: backward computes them again from Q and K with the same calls, so they are the forward's
/// bit for bit and nothing of size L² is kept per layer.
struct Attention {
    let headCount: Int
    let kvHeadCount: Int
    let headDim: Int

    var queryWidth: Int { headCount * headDim }
    var kvWidth: Int { kvHeadCount * headDim }
    var rowWidth: Int { queryWidth + 2 * kvWidth }
    var groupSize: Int { headCount / kvHeadCount }
    var scale: Float { 1 / Float(headDim).squareRoot() }

    /// Segment indices by the size of their score matrix, largest first. Tasks are dealt round robin in
    /// this order to one lane per thread, so segments of different sizes spread evenly.
    static func costliestFirst(_ segments: [DecoderBatch.Segment]) -> [Int] {
        let costs = segments.map(\.scoreCount)
        return costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
    }

    /// Deals tasks 0..<count round robin to `lanes` lanes and runs `lane(index, tasks)` for each, the
    /// lanes in parallel on the threads there are. Every lane runs, however many threads: the lane
    /// count is fixed by the caller's scratches, not read from `Threads.count`, which another caller
    /// may change meanwhile.
    static func dealt(_ count: Int, lanes: Int, _ lane: (Int, StrideTo<Int>) -> Void) {
        parallelFor(lanes) { range in
            for first in range { lane(first, stride(from: first, to: count, by: lanes)) }
        }
    }

    /// P = softmax(scale·Q Kᵀ) [m, C + m] of head h in segment s, causal (and within `window` on a
    /// local layer), into p with row stride C + m: one small single-threaded product per key block.
    private func probabilities(_ s: DecoderBatch.Segment, head h: Int, qkv: UnsafePointer<Float>, window: Int?,
                               into p: UnsafeMutablePointer<Float>) {
        let (W, d) = (rowWidth, headDim)
        let width = s.contextLength + s.rows.count
        let keys = qkv + queryWidth + (h / groupSize) * d
        var column = 0
        for block in s.keyBlocks {
            singleThreadGEMM(.none, .transposed, m: s.rows.count, n: block.count, k: d, alpha: scale,
                             a: qkv + s.rows.lowerBound * W + h * d, lda: W, b: keys + block.lowerBound * W, ldb: W,
                             c: p + column, ldc: width)
            column += block.count
        }
        Softmax.forward(p, rows: s.rows.count, width: width, causalOffset: s.contextLength, window: window)
    }

    /// qkv [N, W] -> out [N, nh*d]. Per (segment, head): P (`probabilities`) in the lane's scratch, then
    /// Y = P V [m, d], one small single-threaded product per key block. With `window`, each row attends
    /// only to the last `window` positions up to its own (a local layer). One lane per scratch in
    /// `lanes` (at most one per task); one per thread is enough to use every thread.
    func forward(qkv: UnsafePointer<Float>, batch: DecoderBatch, window: Int?, lanes: [Scratch],
                 out: UnsafeMutablePointer<Float>) {
        let segments = batch.segments
        let order = Self.costliestFirst(segments)
        let (W, Q, d) = (rowWidth, queryWidth, headDim)
        let largestScores = segments.map(\.scoreCount).max() ?? 0
        let count = segments.count * headCount
        precondition(!lanes.isEmpty, "at least one scratch")
        Self.dealt(count, lanes: min(lanes.count, count)) { lane, tasks in
            let p = lanes[lane].buffer(of: Float.self, count: largestScores)
            for task in tasks {
                let s = segments[order[task / headCount]], h = task % headCount
                let (m, width) = (s.rows.count, s.contextLength + s.rows.count)
                probabilities(s, head: h, qkv: qkv, window: window, into: p)
                let values = qkv + Q + kvWidth + (h / groupSize) * d
                var column = 0
                for (i, block) in s.keyBlocks.enumerated() {
                    singleThreadGEMM(.none, .none, m: m, n: d, k: block.count, a: p + column, lda: width,
                                     b: values + block.lowerBound * W, ldb: W, beta: i == 0 ? 0 : 1,
                                     c: out + s.rows.lowerBound * Q + h * d, ldc: Q)
                    column += block.count
                }
            }
        }
    }

    /// dOut [N, nh*d] -> dqkv [N, W] (fully overwritten), given the forward's qkv and `window`.
    /// Per (segment, key/value head), over the group's query heads h: P again (`probabilities`), then
    ///   dP = dY Vᵀ, dV += Pᵀ dY, dS = P ∘ (dP − rowsum(P ∘ dP)), dQ = scale·dS K, dK += scale·dSᵀ Q.
    /// Several segments add into the dK and dV of a context they share, so each lane adds those into
    /// its own [N, 2·nkv·d] area of `lanes` and the areas are summed in at the end.
    /// One lane per scratch in `lanes`, as in `forward`.
    func backward(qkv: UnsafePointer<Float>, dOut: UnsafePointer<Float>, batch: DecoderBatch, window: Int?,
                  dqkv: UnsafeMutablePointer<Float>, lanes: [Scratch]) {
        let segments = batch.segments
        let (W, Q, d, scale) = (rowWidth, queryWidth, headDim, scale)
        let KV = 2 * kvWidth
        let shared = batch.sharedRows
        let largestScores = segments.map(\.scoreCount).max() ?? 0
        let areaSize = shared.isEmpty ? 0 : batch.rowCount * KV
        let order = Self.costliestFirst(segments)
        let count = segments.count * kvHeadCount
        precondition(!lanes.isEmpty, "at least one scratch")
        let laneTotal = min(lanes.count, count)
        let areas = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: max(laneTotal, 1))
        defer { areas.deallocate() }
        Self.dealt(count, lanes: laneTotal) { lane, tasks in
            // P [m, C + m]; dP, then dS in place, [m, C + m]; then the shared context's dK, dV: [N, 2·nkv·d].
            let p = lanes[lane].buffer(of: Float.self, count: 2 * largestScores + areaSize)
            let scores = p + largestScores
            let contextGradient = scores + largestScores
            areas[lane] = contextGradient
            for rows in shared { (contextGradient + rows.lowerBound * KV).update(repeating: 0, count: rows.count * KV) }
            for task in tasks {
                let index = order[task / kvHeadCount], g = task % kvHeadCount
                let s = segments[index]
                let (m, C) = (s.rows.count, s.contextLength)
                let width = C + m
                let blocks = s.keyBlocks
                /// Where block i's dK (dV at `+ kvWidth`) goes, its row stride, and whether it adds.
                func keyGradient(_ i: Int, first: Bool) -> (UnsafeMutablePointer<Float>, Int, Float) {
                    let r = blocks[i].lowerBound
                    return i == blocks.count - 1 ? (dqkv + r * W + Q + g * d, W, first ? 0 : 1)
                        : (contextGradient + r * KV + g * d, KV, 1)
                }
                for h in g * groupSize..<(g + 1) * groupSize {
                    let first = h == g * groupSize
                    probabilities(s, head: h, qkv: qkv, window: window, into: p)
                    let dy = dOut + s.rows.lowerBound * Q + h * d
                    let queries = qkv + s.rows.lowerBound * W + h * d
                    var column = 0
                    for (i, block) in blocks.enumerated() {
                        let keys = qkv + block.lowerBound * W + Q + g * d
                        singleThreadGEMM(.none, .transposed, m: m, n: block.count, k: d, a: dy, lda: Q,
                                         b: keys + kvWidth, ldb: W, c: scores + column, ldc: width)
                        let (dKeys, ld, beta) = keyGradient(i, first: first)
                        singleThreadGEMM(.transposed, .none, m: block.count, n: d, k: m, a: p + column, lda: width,
                                         b: dy, ldb: Q, beta: beta, c: dKeys + kvWidth, ldc: ld)
                        column += block.count
                    }
                    Softmax.backward(p: p, dp: scores, rows: m, width: width, causalOffset: C)
                    column = 0
                    for (i, block) in blocks.enumerated() {
                        let keys = qkv + block.lowerBound * W + Q + g * d
                        singleThreadGEMM(.none, .none, m: m, n: d, k: block.count, alpha: scale, a: scores + column,
                                         lda: width, b: keys, ldb: W, beta: i == 0 ? 0 : 1,
                                         c: dqkv + s.rows.lowerBound * W + h * d, ldc: W)
                        let (dKeys, ld, beta) = keyGradient(i, first: first)
                        singleThreadGEMM(.transposed, .none, m: block.count, n: d, k: m, alpha: scale,
                                         a: scores + column, lda: width, b: queries, ldb: W, beta: beta, c: dKeys,
                                         ldc: ld)
                        column += block.count
                    }
                }
            }
        }
        for lane in 0..<laneTotal {
            for rows in shared {
                for r in rows { Vector.axpy(1, areas[lane] + r * KV, dqkv + r * W + Q, KV) }
            }
        }
    }
}
