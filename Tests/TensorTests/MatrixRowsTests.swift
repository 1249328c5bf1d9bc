import Tensor
import TestSupport
import Testing

@Suite struct MatrixRowsTests {
    /// A [rows, columns] buffer whose every value differs.
    static func buffer(rows: Int, columns: Int, from start: Float = 0) -> FloatBuffer {
        FloatBuffer((0..<rows * columns).map { start + Float($0) * 0.37 })
    }

    @Test func stackedPartsReadAcrossTheirBoundaries() {
        let parts = [(3, 0), (1, 100), (4, 200)].map { Self.buffer(rows: $0.0, columns: 5, from: Float($0.1)) }
        let stacked = MatrixRows(stacking: parts.map { MatrixRows($0, columns: 5) })
        let whole = parts.flatMap(\.array)
        #expect(stacked.rows == 8 && stacked.columns == 5)
        #expect(stacked.floats().array == whole)
        for range in [0..<8, 2..<5, 3..<4, 1..<8, 6..<6] {
            let out = FloatBuffer(count: max(1, range.count * 5))
            stacked.read(range, out.pointer)
            #expect(Array(out.array.prefix(range.count * 5)) == Array(whole[range.lowerBound * 5..<range.upperBound * 5]))
        }
    }

    /// Rows wide enough that a bf16 matrix is rounded in several blocks: the same values as rounding
    /// the whole buffer at once, and fp32 keeps them as they are.
    @Test(arguments: Precision.allCases)
    func aMatrixBuiltFromRowsEqualsOneBuiltFromItsBuffer(_ precision: Precision) {
        let (rows, columns) = (5, 1 << 19)
        let weights = Self.buffer(rows: rows, columns: columns)
        let streamed = FrozenMatrix(MatrixRows(weights, columns: columns), precision: precision)
        let whole = FrozenMatrix(weights, rows: rows, columns: columns, precision: precision)
        let (a, b) = (FloatBuffer(count: columns), FloatBuffer(count: columns))
        for r in 0..<rows {
            streamed.row(r, into: a.pointer)
            whole.row(r, into: b.pointer)
            #expect(a.array == b.array)
        }
        #expect(streamed.byteCount == whole.byteCount)
    }
}
