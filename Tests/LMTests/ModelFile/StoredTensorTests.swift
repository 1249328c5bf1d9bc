import Foundation
@testable import LM
import Tensor
import Testing

/// A tensor read from a model file's bytes into the matrices the decoder keeps.
@Suite struct StoredTensorTests {
    /// A Q8_0 tensor [rows, columns]: per block of 32, the scale (f16) and 32 int8 values.
    static func q8_0(rows: Int, columns: Int, seed: UInt64) -> StoredTensor {
        var rng = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        for _ in 0..<rows * columns / 32 {
            let scale = Float16(Float(rng.next() % 1000 + 1) / 4096)
            withUnsafeBytes(of: scale.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let file = bytes.withUnsafeBytes { MappedFile(copying: $0, path: "q8_0-fixture") }
        return StoredTensor(type: .q8_0, shape: [rows, columns], offset: 0, file: file)
    }

    /// Kept in its own blocks at every precision: the rows the file decodes to, products as in fp32,
    /// 1.125 bytes per weight.
    @Test(arguments: Precision.allCases)
    func aQ8_0MatrixKeepsItsBlocksExactly(_ precision: Precision) {
        let (rows, columns, m) = (300, 64, 3)
        let stored = Self.q8_0(rows: rows, columns: columns, seed: 5)
        let decoded = stored.floats()
        let matrix = stored.frozenMatrix(precision: precision, roundsOperand: false)
        #expect(matrix.byteCount == rows * columns + rows * columns / 32 * 4)
        let row = FloatBuffer(count: columns)
        for r in [0, 131, rows - 1] {
            matrix.row(r, into: row.pointer)
            #expect(row.array == Array(decoded.array[r * columns..<(r + 1) * columns]))
        }
        var rng = SeededGenerator(seed: 6)
        let x = rng.normalBuffer(count: m * columns, std: 1)
        let (got, want) = (FloatBuffer(count: m * rows), FloatBuffer(count: m * rows))
        matrix.forward(x.pointer, count: m, into: got.pointer)
        FrozenMatrix(decoded, rows: rows, columns: columns, precision: .fp32).forward(x.pointer, count: m, into: want.pointer)
        #expect(zip(got.array, want.array).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }

    /// Other encodings become the precision's own matrix.
    @Test func anotherEncodingIsConverted() {
        let values = FloatBuffer((0..<64).map { Float($0) / 8 })
        let file = UnsafeRawBufferPointer(start: values.pointer, count: 64 * 4)
        let stored = StoredTensor(type: .f32, shape: [2, 32], offset: 0, file: MappedFile(copying: file, path: "f32-fixture"))
        #expect(stored.frozenMatrix(precision: .bf16, roundsOperand: false).byteCount == 2 * 64)
        #expect(stored.frozenMatrix(precision: .fp32, roundsOperand: false).byteCount == 4 * 64)
    }
}
