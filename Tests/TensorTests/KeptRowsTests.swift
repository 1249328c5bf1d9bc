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
            kept.keep(slot: s, count: count)
            return values
        }
    }

    @Test func fp32RowsComeBackAsWritten() {
        let kept = KeptRows(slots: 3, rows: 5, width: 7, inBF16: false)
        let written = Self.fill(kept, count: 5, seed: 1)
        for s in 0..<3 {
            #expect(Array(UnsafeBufferPointer(start: kept.kept(slot: s, count: 5), count: 35)) == written[s])
        }
        #expect(kept.byteCount == 4 * 3 * 5 * 7)
    }

    /// Each slot holds its own rows rounded to bf16 (nearest, ties to even), whichever slot was written
    /// or read last, in half the bytes plus one fp32 slot.
    @Test func bf16RowsAreTheWrittenRowsRounded() {
        let kept = KeptRows(slots: 3, rows: 40, width: 33, inBF16: true)
        let written = Self.fill(kept, count: 37, seed: 2)
        for s in [2, 0, 1, 0] {
            let back = Array(UnsafeBufferPointer(start: kept.kept(slot: s, count: 37), count: 37 * 33))
            #expect(back == written[s].map(BF16Rounding.round))
            #expect(back != written[s])
        }
        #expect(kept.byteCount == 2 * 3 * 40 * 33 + 4 * 40 * 33)
    }
}
