import Foundation
import Tensor

/// Causal grouped-query self-attention over a packed batch, forward and backward to Q, K and V.
///
/// Layout: qkv [N, W] with W = nh*d + 2*nkv*d; columns [0, nh*d) hold the query heads, then the key
/// heads, then the value heads. Query head h reads key/value head h / (nh / nkv).
/// Work is per segment of the batch (`DecoderBatch.Segment`): its m rows attend to its C context rows
/// and causally to themselves. A (segment, head)'s probabilities, [m, C + m] row-major (the context
/// columns block by block, then the segment's own, zero above its diagonal), are written where the
/// caller keeps them for backward (`keep`, at `keptOffsets`) or live only in a lane's scratch, and then
/// backward computes them again from Q and K with the same calls: the forward's bits either way.
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

    /// The segments from `firstRow` on, costliest first; none may cross it.
    private static func segments(_ segments: [DecoderBatch.Segment], from firstRow: Int) -> [Int] {
        precondition(segments.allSatisfy { $0.rows.upperBound <= firstRow || $0.rows.lowerBound >= firstRow },
                     "a segment crosses row \(firstRow)")
        return costliestFirst(segments).filter { segments[$0].rows.lowerBound >= firstRow }
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

    /// Where each segment's probabilities start in a layer's kept ones: per segment, its heads' [m, C + m]
    /// one after another. The last value is a layer's total.
    func keptOffsets(_ segments: [DecoderBatch.Segment]) -> [Int] {
        segments.reduce(into: [0]) { offsets, s in offsets.append(offsets.last! + headCount * s.scoreCount) }
    }

    /// The columns a transposed copy of a segment's keys (or values) takes for one head dimension.
    private static func transposedStride(_ s: DecoderBatch.Segment) -> Int {
        AttentionProducts.transposedStride(keys: s.contextLength + s.rows.count)
    }

    /// Every key block of segment s, columns [first, first + d) of qkv (a key or value head), into
    /// xt [d, transposedStride(s)]: block after block, as the score matrix's columns.
    private func transposed(_ s: DecoderBatch.Segment, qkv: UnsafePointer<Float>, first: Int,
                            into xt: UnsafeMutablePointer<Float>) {
        var column = 0
        for block in s.keyBlocks {
            AttentionProducts.transpose(qkv + block.lowerBound * rowWidth + first, rows: block.count, d: headDim,
                                        ldx: rowWidth, into: xt + column, ldt: Self.transposedStride(s))
            column += block.count
        }
    }

    /// P = softmax(scale·Q Kᵀ) [m, C + m] of head h in segment s, causal (and within `window` on a
    /// local layer), into p with row stride C + m, from the head's keys transposed (`transposed`).
    private func probabilities(_ s: DecoderBatch.Segment, head h: Int, qkv: UnsafePointer<Float>,
                               keys: UnsafePointer<Float>, window: Int?, into p: UnsafeMutablePointer<Float>) {
        let width = s.contextLength + s.rows.count
        AttentionProducts.scores(m: s.rows.count, n: width, d: headDim, alpha: scale,
                                 a: qkv + s.rows.lowerBound * rowWidth + h * headDim, lda: rowWidth, bt: keys,
                                 ldbt: Self.transposedStride(s), into: p, ldc: width, causalOffset: s.contextLength)
        Softmax.forward(p, rows: s.rows.count, width: width, causalOffset: s.contextLength, window: window)
    }

    /// Per key block of s: the block's range, its first column in the score matrix, and the causal
    /// offset of its keys (the segment's own rows see their own block causally, their context whole).
    private static func columns(_ s: DecoderBatch.Segment) -> [(block: Range<Int>, column: Int, offset: Int)] {
        var column = 0
        return s.keyBlocks.map { block in
            defer { column += block.count }
            return (block, column, s.contextLength - column)
        }
    }

    /// qkv [N, W] -> out [N, nh*d]. Per (segment, key/value head): the keys transposed once for the
    /// group's query heads; per head, P (`probabilities`) in the lane's scratch, then Y = P V [m, d], one
    /// product per key block. With `window`, each row attends only to the last `window` positions up to
    /// its own (a local layer). One lane per scratch in `lanes` (at most one per task); one per thread is
    /// enough to use every thread. With `firstRow`, only rows firstRow..<N of out are written: the
    /// segments before it are skipped (their keys and values are still read as context).
    func forward(qkv: UnsafePointer<Float>, batch: DecoderBatch, window: Int?, lanes: [Scratch],
                 out: UnsafeMutablePointer<Float>, keep: UnsafeMutablePointer<Float>? = nil, firstRow: Int = 0) {
        let segments = batch.segments
        let order = Self.segments(segments, from: firstRow)
        let (W, Q, d) = (rowWidth, queryWidth, headDim)
        let largestScores = segments.map(\.scoreCount).max() ?? 0
        let largestKeys = d * (segments.map(Self.transposedStride).max() ?? 0)
        let count = order.count * kvHeadCount
        let offsets = keptOffsets(segments)
        precondition(!lanes.isEmpty, "at least one scratch")
        Self.dealt(count, lanes: min(lanes.count, count)) { lane, tasks in
            let scratch = lanes[lane].buffer(of: Float.self, count: largestScores + largestKeys)
            let keys = scratch + largestScores
            for task in tasks {
                let index = order[task / kvHeadCount], g = task % kvHeadCount
                let s = segments[index]
                let (m, width) = (s.rows.count, s.contextLength + s.rows.count)
                transposed(s, qkv: qkv, first: Q + g * d, into: keys)
                let values = qkv + Q + kvWidth + g * d
                let blocks = Self.columns(s)
                for h in g * groupSize..<(g + 1) * groupSize {
                    let p = keep.map { $0 + offsets[index] + h * s.scoreCount } ?? scratch
                    probabilities(s, head: h, qkv: qkv, keys: keys, window: window, into: p)
                    for (i, (block, column, offset)) in blocks.enumerated() {
                        AttentionProducts.weighted(m: m, n: block.count, d: d, p: p + column, ldp: width,
                                                   x: values + block.lowerBound * W, ldx: W, beta: i == 0 ? 0 : 1,
                                                   into: out + s.rows.lowerBound * Q + h * d, ldy: Q,
                                                   causalOffset: offset)
                    }
                }
            }
        }
    }

    /// dOut [N, nh*d] -> dqkv [N, W] (fully overwritten), given the forward's qkv and `window`.
    /// Per (segment, key/value head), its keys and values transposed once, over the group's query heads h:
    /// P again (`probabilities`), then
    ///   dP = dY Vᵀ, dV += Pᵀ dY, dS = P ∘ (dP − rowsum(P ∘ dP)), dQ = scale·dS K, dK += scale·dSᵀ Q.
    /// Several segments add into the dK and dV of a context they share, so each lane adds those into
    /// its own [N, 2·nkv·d] area of `lanes` and the areas are summed in at the end.
    /// One lane per scratch in `lanes`, as in `forward`. With `firstRow`, only rows firstRow..<N of
    /// dqkv are written: segments before it are skipped, and so are the dK and dV of the key blocks
    /// before it (rows that are not differentiated, `InputGradient.embeddingRows`).
    func backward(qkv: UnsafePointer<Float>, dOut: UnsafePointer<Float>, batch: DecoderBatch, window: Int?,
                  dqkv: UnsafeMutablePointer<Float>, lanes: [Scratch], kept: UnsafePointer<Float>? = nil,
                  firstRow: Int = 0) {
        let segments = batch.segments
        let (W, Q, d, scale) = (rowWidth, queryWidth, headDim, scale)
        let KV = 2 * kvWidth
        let shared = batch.sharedRows
        let largestScores = segments.map(\.scoreCount).max() ?? 0
        let largestKeys = d * (segments.map(Self.transposedStride).max() ?? 0)
        let areaSize = shared.isEmpty ? 0 : batch.rowCount * KV
        let order = Self.segments(segments, from: firstRow)
        let count = order.count * kvHeadCount
        precondition(!lanes.isEmpty, "at least one scratch")
        let laneTotal = min(lanes.count, count)
        let offsets = keptOffsets(segments)
        let areas = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: max(laneTotal, 1))
        defer { areas.deallocate() }
        Self.dealt(count, lanes: laneTotal) { lane, tasks in
            // P [m, C + m]; dP, then dS in place, [m, C + m]; the shared context's dK, dV: [N, 2·nkv·d];
            // then the keys and the values transposed, [d, transposedStride] each.
            let computed = lanes[lane].buffer(of: Float.self, count: 2 * largestScores + areaSize + 2 * largestKeys)
            let scores = computed + largestScores
            let contextGradient = scores + largestScores
            let (keysT, valuesT) = (contextGradient + areaSize, contextGradient + areaSize + largestKeys)
            areas[lane] = contextGradient
            // Rows before firstRow are never summed in: a block that reaches past it still adds there.
            for rows in shared where rows.upperBound > firstRow {
                let from = max(rows.lowerBound, firstRow)
                (contextGradient + from * KV).update(repeating: 0, count: (rows.upperBound - from) * KV)
            }
            for task in tasks {
                let index = order[task / kvHeadCount], g = task % kvHeadCount
                let s = segments[index]
                let (m, C) = (s.rows.count, s.contextLength)
                let width = C + m
                let blocks = Self.columns(s)
                /// Where block i's dK (dV at `+ kvWidth`) goes, its row stride, and whether it adds.
                func keyGradient(_ i: Int, first: Bool) -> (UnsafeMutablePointer<Float>, Int, Float) {
                    let r = blocks[i].block.lowerBound
                    return i == blocks.count - 1 ? (dqkv + r * W + Q + g * d, W, first ? 0 : 1)
                        : (contextGradient + r * KV + g * d, KV, 1)
                }
                if kept == nil { transposed(s, qkv: qkv, first: Q + g * d, into: keysT) }
                transposed(s, qkv: qkv, first: Q + kvWidth + g * d, into: valuesT)
                for h in g * groupSize..<(g + 1) * groupSize {
                    let first = h == g * groupSize
                    let p: UnsafePointer<Float>
                    if let kept {
                        p = kept + offsets[index] + h * s.scoreCount
                    } else {
                        probabilities(s, head: h, qkv: qkv, keys: keysT, window: window, into: computed)
                        p = UnsafePointer(computed)
                    }
                    let dy = dOut + s.rows.lowerBound * Q + h * d
                    let queries = qkv + s.rows.lowerBound * W + h * d
                    AttentionProducts.scores(m: m, n: width, d: d, a: dy, lda: Q, bt: valuesT,
                                             ldbt: Self.transposedStride(s), into: scores, ldc: width, causalOffset: C)
                    for (i, (block, column, offset)) in blocks.enumerated() where block.upperBound > firstRow {
                        let (dKeys, ld, beta) = keyGradient(i, first: first)
                        AttentionProducts.weightedTransposed(m: m, n: block.count, d: d, p: p + column, ldp: width,
                                                             x: dy, ldx: Q, beta: beta, into: dKeys + kvWidth, ldg: ld,
                                                             causalOffset: offset)
                    }
                    Softmax.backward(p: p, dp: scores, rows: m, width: width, causalOffset: C)
                    for (i, (block, column, offset)) in blocks.enumerated() {
                        let keys = qkv + block.lowerBound * W + Q + g * d
                        AttentionProducts.weighted(m: m, n: block.count, d: d, alpha: scale, p: scores + column,
                                                   ldp: width, x: keys, ldx: W, beta: i == 0 ? 0 : 1,
                                                   into: dqkv + s.rows.lowerBound * W + h * d, ldy: W,
                                                   causalOffset: offset)
                        guard block.upperBound > firstRow else { continue }
                        let (dKeys, ld, beta) = keyGradient(i, first: first)
                        AttentionProducts.weightedTransposed(m: m, n: block.count, d: d, alpha: scale,
                                                             p: scores + column, ldp: width, x: queries, ldx: W,
                                                             beta: beta, into: dKeys, ldg: ld, causalOffset: offset)
                    }
                }
            }
        }
        for lane in 0..<laneTotal {
            for rows in shared {
                for r in max(rows.lowerBound, firstRow)..<max(rows.upperBound, firstRow) {
                    Vector.axpy(1, areas[lane] + r * KV, dqkv + r * W + Q, KV)
                }
            }
        }
    }
}
