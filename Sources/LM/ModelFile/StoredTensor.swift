import Tensor

/// One tensor as a model file stores it, read straight from the file's mapping. Reading converts to
/// float32 and hands the pages read back to the kernel, so a loader that reads each tensor once keeps
/// only what it made of them.
struct StoredTensor: @unchecked Sendable {
    /// How the elements are stored.
    let type: GGMLType
    /// Row-major shape, outermost first.
    let shape: [Int]
    /// The first byte of the tensor's data inside `file`.
    let offset: Int
    let file: MappedFile

    /// The innermost dimension (1 for a scalar).
    var columns: Int { shape.last ?? 1 }
    /// Every outer dimension together.
    var rows: Int { shape.dropLast().reduce(1, *) }

    /// Bytes the stored data takes.
    var byteCount: Int { rows * rowBytes }

    /// Bytes one row takes: `columns` is a whole number of the type's blocks (both formats check it).
    private var rowBytes: Int {
        let layout = type.blockLayout
        return columns / layout.elements * layout.bytes
    }

    /// Writes rows `range` as float32 to `output` [range.count, columns], then hands their pages back
    /// unless told to keep them (for a table read again and again).
    func read(rows range: Range<Int>, into output: UnsafeMutablePointer<Float>, keepingPages: Bool = false) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside [0, \(rows))")
        guard !range.isEmpty, let base = file.bytes.baseAddress else { return }
        let start = offset + range.lowerBound * rowBytes
        Dequantizer.run(type, source: base + start, count: range.count * columns, into: output)
        if !keepingPages { file.release(start..<start + range.count * rowBytes) }
    }

    /// The rows as a `FrozenMatrix` reads them, in fp32 and, for a type `BlockDecoder` reads, in the
    /// file's own blocks.
    var matrixRows: MatrixRows {
        MatrixRows(rows: rows, columns: columns, rowBlocks: rowBlocks) { read(rows: $0, into: $1) }
    }

    /// The tensor's blocks as integers, scales and offsets (`BlockDecoder`); nil for other types.
    private var rowBlocks: RowBlocks? {
        guard BlockDecoder.reads(type), let base = file.bytes.baseAddress else { return nil }
        let (type, columns, rowBytes, offset, file) = (type, columns, rowBytes, offset, file)
        let blocks = columns / type.blockLayout.elements, blockBytes = type.blockLayout.bytes
        return RowBlocks(hasOffsets: BlockDecoder.hasOffsets(type)) { range, values, scales, offsets in
            for row in range {
                let at = row - range.lowerBound
                for block in 0..<blocks {
                    let source = base + offset + row * rowBytes + block * blockBytes
                    let (scale, shift) = BlockDecoder.decode(type, source, into: values + at * columns + block * 32)
                    scales[at * blocks + block] = scale
                    offsets?[at * blocks + block] = shift
                }
            }
            file.release(offset + range.lowerBound * rowBytes..<offset + range.upperBound * rowBytes)
        }
    }

    /// The matrix in `precision`: a Q8_0 tensor kept in its own blocks (`FrozenMatrix(int8RowBlocks:)`,
    /// exact at 1.125 bytes per weight), any other converted a block of rows at a time.
    func frozenMatrix(precision: Precision, roundsOperand: Bool) -> FrozenMatrix {
        guard type == .q8_0, let blocks = rowBlocks else {
            return FrozenMatrix(matrixRows, precision: precision, roundsOperand: roundsOperand)
        }
        let rows = rows
        return FrozenMatrix(rows: rows, columns: columns, precision: precision) { values, scales in
            for band in stride(from: 0, to: rows, by: 256) {
                let count = min(256, rows - band)
                blocks.read(band..<band + count, values + band * columns, scales + band * (columns / 32), nil)
            }
        }
    }

    /// The whole tensor as float32.
    func floats() -> FloatBuffer {
        let output = FloatBuffer(count: rows * columns)
        read(rows: 0..<rows, into: output.pointer)
        return output
    }
}
