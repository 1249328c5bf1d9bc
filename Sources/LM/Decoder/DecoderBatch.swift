import Tensor

/// One position of an input sequence: a vocabulary token, or a row of a caller-given embedding table
/// (how P-tuning inserts its pseudo tokens).
public enum DecoderInput: Hashable, Sendable {
    case token(Int)
    case embedding(Int)

    /// Whether this is a row of the caller's embedding table.
    public var isEmbedding: Bool {
        if case .embedding = self { return true }
        return false
    }
}

/// B sequences of different lengths, packed end to end without padding. Sequences that begin with the
/// same inputs share the rows of that beginning, computed once (see `PrefixPacking`): the batch is a
/// list of segments, and a sequence is the rows of a chain of them.
public struct DecoderBatch: Sendable {
    /// A run of packed rows that continues the rows in `context` (the rows its sequences have before
    /// it, outermost first, adjacent ones joined): its position t is position `contextLength + t` of those sequences, and it
    /// attends to the context rows and causally to itself.
    public struct Segment: Sendable, Equatable {
        public let rows: Range<Int>
        public let context: [Range<Int>]

        /// The number of context rows, which is the position of the segment's first row.
        public var contextLength: Int { context.reduce(0) { $0 + $1.count } }

        /// The rows its rows attend to: the context's blocks, then its own.
        public var keyBlocks: [Range<Int>] { context + [rows] }

        /// The size of one head's score matrix: [m, contextLength + m].
        public var scoreCount: Int { rows.count * (contextLength + rows.count) }
    }

    public let sequences: [[DecoderInput]]
    /// [E, H] vectors addressed by `.embedding(i)`; nil when no sequence uses them.
    public let embeddings: FloatBuffer?
    /// The segments, each after its context.
    public let segments: [Segment]
    /// The input and the position in its sequence of each packed row.
    public let rowInputs: [DecoderInput]
    public let rowPositions: [Int]
    /// The rows of the segments that later segments attend to as context.
    public let sharedRows: [Range<Int>]
    /// The first rows, 0..<embeddingFreeRows: each sequence's inputs before its first `.embedding`,
    /// which no caller-given vector reaches (packed before every other row).
    public let embeddingFreeRows: Int
    private let rows: [[Int]]

    /// The longest segment, in rows, that attention takes whole; longer runs are cut (see
    /// `PrefixPacking`).
    public static let maxSegmentRows = 128

    public init(sequences: [[DecoderInput]], embeddings: FloatBuffer? = nil,
                maxSegmentRows: Int = DecoderBatch.maxSegmentRows) {
        self.sequences = sequences
        self.embeddings = embeddings
        let packing = PrefixPacking(sequences, maxSegmentRows: maxSegmentRows)
        segments = packing.segments
        rowInputs = packing.rowInputs
        rowPositions = packing.rowPositions
        sharedRows = packing.sharedRows
        embeddingFreeRows = packing.embeddingFreeRows
        rows = packing.rows
    }

    /// A batch of plain token sequences.
    public init(tokens: [[Int]], maxSegmentRows: Int = DecoderBatch.maxSegmentRows) {
        self.init(sequences: tokens.map { $0.map(DecoderInput.token) }, maxSegmentRows: maxSegmentRows)
    }

    /// N: the rows computed, each shared beginning once.
    public var rowCount: Int { rowInputs.count }

    /// The inputs of all sequences, counting a shared beginning once per sequence.
    public var tokenCount: Int { sequences.reduce(0) { $0 + $1.count } }

    /// Packed row index of `position` in sequence `sequence`.
    public func row(sequence: Int, position: Int) -> Int { rows[sequence][position] }

    /// The length of the longest sequence.
    public var maxLength: Int { sequences.map(\.count).max() ?? 0 }

    /// Adds each row of the input gradient dInput [N, H] that came from `.embedding(i)` into row i of
    /// dEmbeddings [E, H] (a pseudo token used several times receives the sum; a shared row's gradient
    /// already holds the sum over the sequences that share it).
    public func accumulateEmbeddingGradient(_ dInput: FloatBuffer, width: Int, into dEmbeddings: FloatBuffer) {
        for (r, item) in rowInputs.enumerated() {
            guard case .embedding(let e) = item else { continue }
            let src = dInput.pointer + r * width
            let dst = dEmbeddings.pointer + e * width
            for i in 0..<width { dst[i] += src[i] }
        }
    }
}

/// Where logits are wanted: position `position` of sequence `sequence`.
public struct LogitPosition: Hashable, Sendable {
    public var sequence: Int
    public var position: Int
    public init(sequence: Int, position: Int) {
        self.sequence = sequence
        self.position = position
    }
}
