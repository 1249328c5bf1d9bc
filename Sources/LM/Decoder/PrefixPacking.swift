/// Lays out a batch's sequences so that a run of inputs several sequences begin with is computed once.
///
/// In a causal decoder a position's hidden states depend only on the inputs up to it, so sequences that
/// start alike have identical rows up to where they part: P-tuning's pseudo tokens at the head of every
/// example, or the shared context of a choice task's options. The sequences form a prefix tree; each
/// branch of it becomes one `DecoderBatch.Segment`, rows laid out depth first so a segment's context
/// precedes it.
struct PrefixPacking {
    private(set) var segments: [DecoderBatch.Segment] = []
    /// rows[b][t]: the packed row of position t of sequence b.
    private(set) var rows: [[Int]]
    /// The input and the position in its sequence of every packed row.
    private(set) var rowInputs: [DecoderInput] = []
    private(set) var rowPositions: [Int] = []
    /// The segments' rows that later segments read as context.
    private(set) var sharedRows: [Range<Int>] = []

    private let sequences: [[DecoderInput]]

    init(_ sequences: [[DecoderInput]]) {
        self.sequences = sequences
        rows = sequences.map { [Int](repeating: 0, count: $0.count) }
        if !sequences.isEmpty { place(Array(sequences.indices), depth: 0, context: []) }
    }

    /// Places `members`, sequences that agree on their first `depth` inputs whose rows are `context`:
    /// their common continuation becomes one segment, then each group that continues alike in turn.
    private mutating func place(_ members: [Int], depth: Int, context: [Range<Int>]) {
        let first = sequences[members[0]]
        var end = first.count
        for m in members.dropFirst() {
            let s = sequences[m]
            var e = depth
            while e < min(end, s.count) && s[e] == first[e] { e += 1 }
            end = e
        }
        var inner = context
        if end > depth {
            let start = rowInputs.count
            segments.append(DecoderBatch.Segment(rows: start..<start + end - depth, context: context))
            for t in depth..<end {
                rowInputs.append(first[t])
                rowPositions.append(t)
            }
            for m in members {
                for t in depth..<end { rows[m][t] = start + t - depth }
            }
            inner.append(start..<start + end - depth)
        }
        var groups: [DecoderInput: [Int]] = [:]
        var order: [DecoderInput] = []
        for m in members where sequences[m].count > end {
            let next = sequences[m][end]
            if groups[next] == nil { order.append(next) }
            groups[next, default: []].append(m)
        }
        if end > depth && !order.isEmpty { sharedRows.append(inner[inner.count - 1]) }
        for next in order { place(groups[next]!, depth: end, context: inner) }
    }
}
