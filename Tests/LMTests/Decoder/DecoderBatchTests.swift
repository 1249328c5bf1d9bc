@testable import LM
import Testing

/// How a batch is packed: sequences that begin alike share those rows.
struct DecoderBatchTests {
    @Test func sequencesThatShareNothingAreLaidEndToEnd() {
        let batch = DecoderBatch(tokens: [[1, 2, 3], [4, 5]])
        #expect(batch.rowCount == 5)
        #expect(batch.segments == [DecoderBatch.Segment(rows: 0..<3, context: []),
                                   DecoderBatch.Segment(rows: 3..<5, context: [])])
        #expect(batch.row(sequence: 1, position: 0) == 3)
        #expect(batch.rowPositions == [0, 1, 2, 0, 1])
        #expect(batch.sharedRows.isEmpty)
    }

    @Test func sharedBeginningsFormATree() {
        let batch = DecoderBatch(tokens: [[1, 2, 3, 4], [1, 2, 5], [1, 2, 3, 6, 7], [8], [1, 2]])
        // [1 2] shared by four; [3] by two; then [4], [6 7], [5], and [8] alone.
        #expect(batch.segments == [
            DecoderBatch.Segment(rows: 0..<2, context: []),
            DecoderBatch.Segment(rows: 2..<3, context: [0..<2]),
            DecoderBatch.Segment(rows: 3..<4, context: [0..<3]),
            DecoderBatch.Segment(rows: 4..<6, context: [0..<3]),
            DecoderBatch.Segment(rows: 6..<7, context: [0..<2]),
            DecoderBatch.Segment(rows: 7..<8, context: []),
        ])
        #expect(batch.rowCount == 8)
        #expect(batch.tokenCount == 15)
        #expect((0..<5).map { batch.row(sequence: 2, position: $0) } == [0, 1, 2, 4, 5])
        #expect((0..<2).map { batch.row(sequence: 4, position: $0) } == [0, 1])
        #expect(batch.rowPositions == [0, 1, 2, 3, 3, 4, 2, 0])
        #expect(batch.segments[3].contextLength == 3)
        #expect(batch.sharedRows == [0..<2, 2..<3])
    }

    @Test func aLongRunIsCutIntoSegmentsThatReadTheOnesBefore() {
        let batch = DecoderBatch(tokens: [[1, 2, 3, 4, 5, 6, 7]], maxSegmentRows: 3)
        #expect(batch.segments == [DecoderBatch.Segment(rows: 0..<2, context: []),
                                   DecoderBatch.Segment(rows: 2..<4, context: [0..<2]),
                                   DecoderBatch.Segment(rows: 4..<7, context: [0..<4])])
        #expect(batch.sharedRows == [0..<2, 2..<4])
        #expect(batch.rowCount == 7)
        #expect(batch.rowPositions == Array(0..<7))
    }

    @Test func aCutSharedBeginningIsContextForEveryBranch() {
        let batch = DecoderBatch(tokens: [[1, 2, 3, 4, 9], [1, 2, 3, 4, 8, 7]], maxSegmentRows: 2)
        #expect(batch.segments == [DecoderBatch.Segment(rows: 0..<2, context: []),
                                   DecoderBatch.Segment(rows: 2..<4, context: [0..<2]),
                                   DecoderBatch.Segment(rows: 4..<5, context: [0..<4]),
                                   DecoderBatch.Segment(rows: 5..<7, context: [0..<4])])
        #expect(batch.sharedRows == [0..<2, 2..<4])
        #expect((0..<6).map { batch.row(sequence: 1, position: $0) } == [0, 1, 2, 3, 5, 6])
    }

    @Test func pseudoTokensAndTokensAreDifferentInputs() {
        let batch = DecoderBatch(sequences: [[.embedding(1), .token(1)], [.token(1), .token(1)]])
        #expect(batch.rowCount == 4)
    }

    /// Every sequence's inputs before its first embedding are laid out first, so the rows no embedding
    /// reaches are 0..<embeddingFreeRows; each sequence continues from them as context.
    @Test func inputsBeforeTheFirstEmbeddingArePackedFirst() {
        let batch = DecoderBatch(sequences: [
            [.token(1), .token(2), .embedding(0), .token(3)],
            [.token(1), .token(5), .embedding(0)],
            [.embedding(0), .token(2)],
            [.token(9)],
        ])
        #expect(batch.embeddingFreeRows == 4)
        #expect(batch.segments == [
            DecoderBatch.Segment(rows: 0..<1, context: []),
            DecoderBatch.Segment(rows: 1..<2, context: [0..<1]),
            DecoderBatch.Segment(rows: 2..<3, context: [0..<1]),
            DecoderBatch.Segment(rows: 3..<4, context: []),
            DecoderBatch.Segment(rows: 4..<6, context: [0..<2]),
            DecoderBatch.Segment(rows: 6..<7, context: [0..<1, 2..<3]),
            DecoderBatch.Segment(rows: 7..<9, context: []),
        ])
        #expect((0..<4).map { batch.row(sequence: 0, position: $0) } == [0, 1, 4, 5])
        #expect((0..<3).map { batch.row(sequence: 1, position: $0) } == [0, 2, 6])
        #expect((0..<2).map { batch.row(sequence: 2, position: $0) } == [7, 8])
        #expect(batch.rowPositions == [0, 1, 1, 0, 2, 3, 2, 0, 1])
        #expect(batch.sharedRows == [0..<1, 1..<2, 2..<3])
    }

    /// Sequences that begin with their embeddings have no embedding-free rows and pack as a plain tree.
    @Test func sequencesThatBeginWithAnEmbeddingHaveNoEmbeddingFreeRows() {
        let batch = DecoderBatch(sequences: [[.embedding(0), .token(1), .token(2)], [.embedding(0), .token(1), .token(3)]])
        #expect(batch.embeddingFreeRows == 0)
        #expect(batch.segments == [DecoderBatch.Segment(rows: 0..<2, context: []),
                                   DecoderBatch.Segment(rows: 2..<3, context: [0..<2]),
                                   DecoderBatch.Segment(rows: 3..<4, context: [0..<2])])
        #expect(DecoderBatch(tokens: [[1, 2], [3]]).embeddingFreeRows == 3)
    }

    @Test func identicalSequencesShareEveryRow() {
        let batch = DecoderBatch(tokens: [[3, 1, 4], [3, 1, 4]])
        #expect(batch.rowCount == 3)
        #expect(batch.row(sequence: 1, position: 2) == 2)
    }

    @Test func anEmptyBatchHasNoRows() {
        let batch = DecoderBatch(tokens: [])
        #expect(batch.rowCount == 0 && batch.segments.isEmpty)
    }
}
