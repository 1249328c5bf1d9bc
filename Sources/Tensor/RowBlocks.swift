/// A matrix's rows as blocks of 32 columns, each block small integers with one scale and one offset
/// (value = q × scale + offset): the layout of GGUF's Q8_0, Q4_0, Q5_0 (no offset), Q4_1 and Q5_1
/// tensors, read exactly. `FrozenMatrix` keeps an int8 matrix in these blocks rather than re-quantizing
/// it, so its products see the file's own weights.
public struct RowBlocks {
    /// Whether blocks carry offsets (Q4_1, Q5_1); without, every offset is zero.
    public let hasOffsets: Bool
    /// Writes rows `range`: values [range.count, columns], scales and (when `hasOffsets`) offsets
    /// [range.count, columns / 32]; the offsets pointer is nil without them. Offsets are f16, as the
    /// file stores them.
    public let read: (_ range: Range<Int>, _ values: UnsafeMutablePointer<Int8>, _ scales: UnsafeMutablePointer<Float>,
                      _ offsets: UnsafeMutablePointer<Float16>?) -> Void

    public init(hasOffsets: Bool,
                read: @escaping (Range<Int>, UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>,
                                 UnsafeMutablePointer<Float16>?) -> Void) {
        self.hasOffsets = hasOffsets
        self.read = read
    }

    /// `parts` (with their row counts) one under the other: blocks with offsets if any part has them
    /// (zeros for the parts without).
    init(stacking parts: [(blocks: RowBlocks, rows: Int)], columns: Int) {
        let hasOffsets = parts.contains { $0.blocks.hasOffsets }
        var starts = [0]
        for part in parts { starts.append(starts[starts.count - 1] + part.rows) }
        let perRow = columns / 32
        self.init(hasOffsets: hasOffsets) { range, values, scales, offsets in
            for (i, part) in parts.enumerated() {
                let lower = max(range.lowerBound, starts[i]), upper = min(range.upperBound, starts[i + 1])
                guard lower < upper else { continue }
                let at = lower - range.lowerBound
                let partOffsets = offsets.map { $0 + at * perRow }
                part.blocks.read(lower - starts[i]..<upper - starts[i], values + at * columns, scales + at * perRow,
                                 part.blocks.hasOffsets ? partOffsets : nil)
                if !part.blocks.hasOffsets, let partOffsets {
                    partOffsets.update(repeating: 0, count: (upper - lower) * perRow)
                }
            }
        }
    }
}
