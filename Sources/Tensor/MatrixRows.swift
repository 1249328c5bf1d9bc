/// The rows of a [rows, columns] matrix as something writes them in fp32, a block at a time: from a
/// buffer, from a model file's encoding, or from several matrices one under the other. A
/// `FrozenMatrix` is built from it without the whole matrix existing in fp32 first (bf16), or with
/// only its own copy (fp32).
public struct MatrixRows {
    public let rows: Int
    public let columns: Int
    /// Writes rows `range` [range.count, columns] to the pointer.
    public let read: (_ range: Range<Int>, _ out: UnsafeMutablePointer<Float>) -> Void
    /// The same rows in the file's own blocks, where the file stores them so (`RowBlocks`).
    public let rowBlocks: RowBlocks?

    public init(rows: Int, columns: Int, rowBlocks: RowBlocks? = nil,
                read: @escaping (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        self.rows = rows
        self.columns = columns
        self.rowBlocks = rowBlocks
        self.read = read
    }

    /// The rows of `buffer`, a [rows, columns] matrix (or a vector: one row).
    public init(_ buffer: FloatBuffer, columns: Int) {
        precondition(columns > 0 && buffer.count % columns == 0, "\(buffer.count) values are not rows of \(columns)")
        self.init(rows: buffer.count / columns, columns: columns) { range, out in
            out.update(from: buffer.pointer + range.lowerBound * columns, count: range.count * columns)
        }
    }

    /// `parts` one under the other; all have the same columns. In blocks where every part is.
    public init(stacking parts: [MatrixRows]) {
        let columns = parts.first?.columns ?? 0
        precondition(parts.allSatisfy { $0.columns == columns }, "stacked matrices need the same columns")
        var starts = [0]
        for part in parts { starts.append(starts[starts.count - 1] + part.rows) }
        let blocks = parts.compactMap { part in part.rowBlocks.map { (blocks: $0, rows: part.rows) } }
        let rowBlocks = blocks.count == parts.count ? RowBlocks(stacking: blocks, columns: columns) : nil
        self.init(rows: starts[starts.count - 1], columns: columns, rowBlocks: rowBlocks) { range, out in
            for (i, part) in parts.enumerated() {
                let lower = max(range.lowerBound, starts[i]), upper = min(range.upperBound, starts[i + 1])
                guard lower < upper else { continue }
                part.read(lower - starts[i]..<upper - starts[i], out + (lower - range.lowerBound) * columns)
            }
        }
    }

    /// Every row in one buffer.
    public func floats() -> FloatBuffer {
        let out = FloatBuffer(count: rows * columns)
        read(0..<rows, out.pointer)
        return out
    }
}
