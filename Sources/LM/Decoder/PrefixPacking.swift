/// Lays out a batch's sequences so that a run of inputs several sequences begin with is computed once.
///
/// In a causal decoder a position's hidden states depend only on the inputs up to it, so sequences that
/// start alike have identical rows up to where they part: P-tuning's pseudo tokens at the head of every
/// example, or the shared context of a choice task's options. The sequences form a prefix tree; each
/// branch of it becomes one `DecoderBatch.Segment`, rows laid out depth first so a segment's context
/// precedes it.
///
/// A branch longer than `maxSegmentRows` is cut into segments of at most that many rows, each reading
/// the ones before it as context. Attention then computes a segment's scores only up to its last
/// row instead of over the whole causal square: for one 512-row sequence cut at 128 rows, 62.5% of
/// the square.
///
/// Every row before a sequence's first `.embedding` input is laid out before all the others (its
/// branch is cut there, the rest continuing from it as context), so the rows no caller-given vector
/// reaches are the first `embeddingFreeRows`: a backward pass to those vectors skips them.
struct PrefixPacking {
    private(set) var segments: [DecoderBatch.Segment] = []
    /// rows[b][t]: the packed row of position t of sequence b.
    private(set) var rows: [[Int]]
    /// The input and the position in its sequence of every packed row.
    private(set) var rowInputs: [DecoderInput] = []
    private(set) var rowPositions: [Int] = []
    /// The segments' rows that later segments read as context.
    private(set) var sharedRows: [Range<Int>] = []
    /// The number of leading rows that no `.embedding` input precedes in their sequence.
    private(set) var embeddingFreeRows = 0

    private let sequences: [[DecoderInput]]
    private let maxSegmentRows: Int
    /// The branches cut at an `.embedding` input while the embedding-free rows are laid out, to be
    /// placed after them (their members, the depth of the cut, the rows before it).
    private var deferred: [(members: [Int], depth: Int, context: [Range<Int>])] = []

    init(_ sequences: [[DecoderInput]], maxSegmentRows: Int) {
        precondition(maxSegmentRows > 0, "a segment has at least one row")
        self.sequences = sequences
        self.maxSegmentRows = maxSegmentRows
        rows = sequences.map { [Int](repeating: 0, count: $0.count) }
        if !sequences.isEmpty { place(Array(sequences.indices), depth: 0, context: [], cuttingAtEmbeddings: true) }
        embeddingFreeRows = rowInputs.count
        for branch in deferred {
            place(branch.members, depth: branch.depth, context: branch.context, cuttingAtEmbeddings: false)
        }
    }

    /// Places `members`, sequences that agree on their first `depth` inputs whose rows are `context`:
    /// their common continuation becomes one segment, then each group that continues alike in turn.
    /// With `cuttingAtEmbeddings` (while the embedding-free rows are laid out), a continuation is cut
    /// before its first `.embedding` input and the rest deferred.
    private mutating func place(_ members: [Int], depth: Int, context: [Range<Int>], cuttingAtEmbeddings: Bool) {
        let first = sequences[members[0]]
        var end = first.count
        for m in members.dropFirst() {
            let s = sequences[m]
            var e = depth
            while e < min(end, s.count) && s[e] == first[e] { e += 1 }
            end = e
        }
        if cuttingAtEmbeddings, let cut = first[depth..<end].firstIndex(where: \.isEmbedding) {
            let (inner, last) = lay(members, depth..<cut, context: context)
            if let last { sharedRows.append(last) }
            deferred.append((members, cut, inner))
            return
        }
        let (inner, last) = lay(members, depth..<end, context: context)
        var groups: [DecoderInput: [Int]] = [:]
        var order: [DecoderInput] = []
        for m in members where sequences[m].count > end {
            let next = sequences[m][end]
            if groups[next] == nil { order.append(next) }
            groups[next, default: []].append(m)
        }
        if let last, !order.isEmpty { sharedRows.append(last) }
        for next in order {
            place(groups[next]!, depth: end, context: inner, cuttingAtEmbeddings: cuttingAtEmbeddings)
        }
    }

    /// Lays out positions `span` common to `members` as segments after `context`: returns the context
    /// of what follows them and their last segment's rows (nil for an empty span).
    private mutating func lay(_ members: [Int], _ span: Range<Int>,
                              context: [Range<Int>]) -> (context: [Range<Int>], last: Range<Int>?) {
        var inner = context
        var last: Range<Int>?
        guard !span.isEmpty else { return (inner, last) }
        let first = sequences[members[0]]
        let start = rowInputs.count
        for t in span {
            rowInputs.append(first[t])
            rowPositions.append(t)
        }
        for m in members {
            for t in span { rows[m][t] = start + t - span.lowerBound }
        }
        for piece in Self.split(start..<start + span.count, into: maxSegmentRows) {
            if let previous = last { sharedRows.append(previous) }
            segments.append(DecoderBatch.Segment(rows: piece, context: inner))
            inner = Self.appending(piece, to: inner)
            last = piece
        }
        return (inner, last)
    }

    /// `rows` cut into the fewest runs of at most `limit` rows, as even as possible.
    static func split(_ rows: Range<Int>, into limit: Int) -> [Range<Int>] {
        let count = (rows.count + limit - 1) / limit
        return (0..<count).map { i in
            rows.lowerBound + i * rows.count / count..<rows.lowerBound + (i + 1) * rows.count / count
        }
    }

    /// `context` followed by `rows`, joined into its last block when they are adjacent, so attention
    /// makes one product over both.
    static func appending(_ rows: Range<Int>, to context: [Range<Int>]) -> [Range<Int>] {
        guard let tail = context.last, tail.upperBound == rows.lowerBound else { return context + [rows] }
        return context.dropLast() + [tail.lowerBound..<rows.upperBound]
    }
}
