import Foundation
@testable import LM
import Tensor
import Testing

/// A tensor read from a model file's bytes into the matrices the decoder keeps.
@Suite struct StoredTensorTests {
    /// A tensor [rows, columns] of `type`'s blocks: the f16 scale (and for Q4_1 and Q5_1 the f16 offset,
    /// negative or positive) first, every other byte random.
    static func blocks(_ type: GGMLType, rows: Int, columns: Int, seed: UInt64) -> StoredTensor {
        var rng = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        let layout = type.blockLayout, halves = BlockDecoder.hasOffsets(type) ? 2 : 1
        for _ in 0..<rows * columns / 32 {
            let scale = Float16(Float(rng.next() % 1000 + 1) / 4096)
            let shift = Float16(Float(Int(rng.next() % 1000) - 500) / 1024)
            for half in [scale, shift].prefix(halves) {
                withUnsafeBytes(of: half.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
            bytes.append(contentsOf: (0..<layout.bytes - 2 * halves).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let file = bytes.withUnsafeBytes { MappedFile(copying: $0, path: "\(type.name)-fixture") }
        return StoredTensor(type: type, shape: [rows, columns], offset: 0, file: file)
    }

    static func q8_0(rows: Int, columns: Int, seed: UInt64) -> StoredTensor {
        blocks(.q8_0, rows: rows, columns: columns, seed: seed)
    }

    /// The largest difference between `got` and `want`, over the largest magnitude in `want`.
    static func relativeError(_ got: FloatBuffer, _ want: FloatBuffer) -> Float {
        let largest = want.array.map(abs).max() ?? 0
        return zip(got.array, want.array).map { abs($0 - $1) }.max().map { $0 / max(largest, 1e-30) } ?? 0
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
        // The same products, added in another order (up to 16 rows widen each weight in registers and
        // sum in sixteen lanes, `FrozenMatrix.fewRows`).
        #expect(Self.relativeError(got, want) < 1e-6, "\(precision): \(Self.relativeError(got, want))")
    }

    /// In int8 a block-encoded body matrix stays in the file's blocks (a byte per weight, a scale and,
    /// for Q4_1 and Q5_1, an offset per block): its rows are the file's values exactly, its forward
    /// product (the operand in 16 bits per block) agrees with fp32 to about 16 bits, its backward product
    /// to about 8 where it runs in bf16 (AVX-512 BF16) and to fp32's rounding where it widens.
    @Test(arguments: [GGMLType.q8_0, .q4_0, .q4_1, .q5_0, .q5_1])
    func anInt8MatrixKeepsTheFilesBlocks(_ type: GGMLType) {
        let (rows, columns, m) = (70, 96, 5)
        let stored = Self.blocks(type, rows: rows, columns: columns, seed: 7)
        let decoded = stored.floats()
        let matrix = FrozenMatrix(stored.matrixRows, precision: .int8)
        #expect(matrix.byteCount == rows * columns + rows * columns / 32 * (BlockDecoder.hasOffsets(type) ? 6 : 4))
        let row = FloatBuffer(count: columns)
        for r in [0, 33, rows - 1] {
            matrix.row(r, into: row.pointer)
            #expect(row.array == Array(decoded.array[r * columns..<(r + 1) * columns]), "\(type.name) row \(r)")
        }
        let exact = FrozenMatrix(decoded, rows: rows, columns: columns, precision: .fp32)
        var rng = SeededGenerator(seed: 8)
        let x = rng.normalBuffer(count: m * columns, std: 1), dy = rng.normalBuffer(count: m * rows, std: 1)
        let (y, y32) = (FloatBuffer(count: m * rows), FloatBuffer(count: m * rows))
        let (dx, dx32) = (FloatBuffer(count: m * columns), FloatBuffer(count: m * columns))
        matrix.forward(x.pointer, count: m, into: y.pointer)
        exact.forward(x.pointer, count: m, into: y32.pointer)
        matrix.backward(dy.pointer, count: m, into: dx.pointer)
        exact.backward(dy.pointer, count: m, into: dx32.pointer)
        let (forward, backward) = (Self.relativeError(y, y32), Self.relativeError(dx, dx32))
        #expect(forward < 1e-4 && forward > 0, "\(type.name) forward: \(forward)")
        #expect(backward < (Precision.bf16Widens ? 1e-5 : 1e-2) && (Precision.bf16Widens || backward > 1e-6),
                "\(type.name) backward: \(backward)")
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
