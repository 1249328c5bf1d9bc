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
