import Tensor
import TestSupport
import Testing

struct KeptRowsTests {
    /// Writes `count` rows of random values into every slot, keeping each; returns what was written.
    static func fill(_ kept: KeptRows, count: Int, seed: UInt64) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<kept.slots).map { s in
            let values = rng.normalBuffer(count: count * kept.width, std: 3).array
            kept.working(slot: s).update(from: values, count: values.count)
            kept.keep(slot: s, rows: 0..<count)
            return values
        }
    }

    @Test func fp32RowsComeBackAsWritten() {
        let kept = KeptRows(slots: 3, rows: 5, width: 7, encoding: .fp32)
        let written = Self.fill(kept, count: 5, seed: 1)
        for s in 0..<3 {
            #expect(Array(UnsafeBufferPointer(start: kept.kept(slot: s, 0..<5), count: 35)) == written[s])
        }
        #expect(kept.byteCount == 4 * 3 * 5 * 7)
    }

    /// Each slot holds its own rows rounded to bf16 (nearest, ties to even), whichever slot was written
    /// or read last, in half the bytes plus one fp32 slot.
    @Test func bf16RowsAreTheWrittenRowsRounded() {
        let kept = KeptRows(slots: 3, rows: 40, width: 33, encoding: .bf16)
        let written = Self.fill(kept, count: 37, seed: 2)
        for s in [2, 0, 1, 0] {
            let back = Array(UnsafeBufferPointer(start: kept.kept(slot: s, 0..<37), count: 37 * 33))
            #expect(back == written[s].map(BF16Rounding.round))
            #expect(back != written[s])
        }
        #expect(kept.byteCount == 2 * 3 * 40 * 33 + 4 * 40 * 33)
    }

    /// Each slot holds its own rows in int8 per block of 32 (the last block short): each value within
    /// half a step (its block's largest magnitude / 127) of what was written, in 1.125 bytes a value of
    /// the padded width plus one fp32 slot. 37 rows split unevenly between two threads or more.
    @Test func int8RowsAreTheWrittenRowsInBlocks() {
        let (rows, width) = (40, 45)
        let kept = KeptRows(slots: 3, rows: rows, width: width, encoding: .int8)
        let written = Self.fill(kept, count: 37, seed: 3)
        for s in [2, 0, 1, 0] {
            let back = Array(UnsafeBufferPointer(start: kept.kept(slot: s, 0..<37), count: 37 * width))
            #expect(back != written[s])
            for r in 0..<37 {
                for first in [0, 32] {
                    let block = (r * width + first)..<(r * width + min(width, first + 32))
                    let largest = written[s][block].map(abs).max() ?? 0
                    #expect(block.allSatisfy { abs(back[$0] - written[s][$0]) <= largest / 254 * 1.0001 })
                }
            }
        }
        #expect(kept.byteCount == 3 * rows * (64 + 2 * 4) + 4 * rows * width)
        // A block of zeros comes back as zeros (its scale 0), beside the row's other block.
        let row = kept.working(slot: 1)
        row.update(from: written[1], count: 37 * width)
        row.update(repeating: 0, count: 32)
        kept.keep(slot: 1, rows: 0..<37)
        let back = Array(UnsafeBufferPointer(start: kept.kept(slot: 1, 0..<37), count: 37 * width))
        #expect(back[0..<32].allSatisfy { $0 == 0 } && back[32..<width].contains { $0 != 0 })
    }

    /// Any rows of a slot, read on the calling thread alone (as a product's operand maker reads them)
    /// or as a range with `kept`, are the values `kept` gives for the whole slot, bit for bit, in every
    /// encoding.
    @Test(arguments: [KeptRows.Encoding.fp32, .bf16, .int8])
    func rowsOfASlotAreTheKeptValues(encoding: KeptRows.Encoding) {
        let (rows, width) = (40, 45)
        let kept = KeptRows(slots: 3, rows: rows, width: width, encoding: encoding)
        _ = Self.fill(kept, count: 37, seed: 4)
        let wholes = (0..<3).map { Array(UnsafeBufferPointer(start: kept.kept(slot: $0, 0..<37), count: 37 * width)) }
        for s in [2, 0, 1] {
            // The working copy last decoded holds another slot, so rows of this one must be its own.
            _ = kept.kept(slot: (s + 1) % 3, 0..<37)
            let whole = wholes[s]
            for range in [0..<16, 16..<37, 5..<6, 30..<37] {
                let expected = Array(whole[(range.lowerBound * width)..<(range.upperBound * width)])
                let part = Array(UnsafeBufferPointer(start: kept.rows(slot: s, range), count: range.count * width))
                #expect(part == expected, "slot \(s), rows \(range)")
                _ = kept.kept(slot: (s + 1) % 3, 0..<37)
                let keptRange = Array(UnsafeBufferPointer(start: kept.kept(slot: s, range), count: range.count * width))
                #expect(keptRange == expected, "slot \(s), kept rows \(range)")
            }
        }
    }

    /// Keeping rows `range` encodes those rows alone, at their own place in the slot: they read back as
    /// keeping the whole slot gives them, and the rows around them keep what was kept before.
    @Test(arguments: [KeptRows.Encoding.fp32, .bf16, .int8])
    func keepingARangeKeepsThoseRowsOnly(encoding: KeptRows.Encoding) {
        let (rows, width) = (40, 45)
        let kept = KeptRows(slots: 2, rows: rows, width: width, encoding: encoding)
        _ = Self.fill(kept, count: 37, seed: 5)
        let before = Array(UnsafeBufferPointer(start: kept.kept(slot: 1, 0..<37), count: 37 * width))
        var rng = SeededGenerator(seed: 6)
        let fresh = rng.normalBuffer(count: 37 * width, std: 3).array
        let whole = KeptRows(slots: 1, rows: rows, width: width, encoding: encoding)
        whole.working(slot: 0).update(from: fresh, count: fresh.count)
        whole.keep(slot: 0, rows: 0..<37)
        let expected = Array(UnsafeBufferPointer(start: whole.kept(slot: 0, 0..<37), count: 37 * width))

        let range = 5..<30
        _ = kept.kept(slot: 0, 0..<37)
        kept.working(slot: 1).update(from: fresh, count: fresh.count)
        kept.keep(slot: 1, rows: range)
        _ = kept.kept(slot: 0, 0..<37)
        let back = Array(UnsafeBufferPointer(start: kept.kept(slot: 1, 0..<37), count: 37 * width))
        let inside = (range.lowerBound * width)..<(range.upperBound * width)
        #expect(Array(back[inside]) == Array(expected[inside]))
        if encoding != .fp32 {
            // fp32 rows are the working rows themselves; encoded rows outside the range stay as kept.
            #expect(Array(back[..<inside.lowerBound]) == Array(before[..<inside.lowerBound]))
            #expect(Array(back[inside.upperBound...]) == Array(before[inside.upperBound...]))
        }
        let part = Array(UnsafeBufferPointer(start: kept.rows(slot: 1, range), count: range.count * width))
        #expect(part == Array(expected[inside]))
    }
}
