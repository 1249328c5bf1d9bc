import Foundation
import Synchronization
import Tensor
import TestSupport
import Testing

/// A product whose operand is made a block of rows at a time gives the bits of the same product on
/// the rows written whole, for every storage and both directions, and makes each row exactly once.
struct FrozenMatrixMadeOperandTests {
    /// Matrices of every storage a product can take, named: fp32, bf16 (rounding its operand where
    /// the CPU's bf16 products do, else widening), bf16 with the operand kept in fp32 (an output
    /// head's), int8 tiles, and int8 in a file's blocks.
    static func matrices(rows: Int, columns: Int) -> [(String, FrozenMatrix)] {
        var rng = SeededGenerator(seed: 31)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        return [
            ("fp32", FrozenMatrix(w, rows: rows, columns: columns, precision: .fp32)),
            ("bf16", FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16)),
            ("bf16, operand in fp32", FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16, roundsOperand: false)),
            ("int8 tiles", FrozenMatrix(w, rows: rows, columns: columns, precision: .int8)),
            ("int8 file blocks", Int8ProductTests.fileBlocks(rows: rows, columns: columns, rng: &rng).0),
        ]
    }

    @Test(arguments: [(37, 45, 96), (5, 70, 64), (64, 33, 32)])
    func madeRowsGiveTheBitsOfWrittenRows(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        for (name, matrix) in Self.matrices(rows: rows, columns: columns) {
            for forward in [true, false] {
                let (k, n) = forward ? (columns, rows) : (rows, columns)
                var rng = SeededGenerator(seed: 5)
                let a = rng.normalBuffer(count: m * k, std: 2)
                for beta: Float in [0, 1] {
                    let written = rng.normalBuffer(count: m * n, std: 1), made = FloatBuffer(written.array)
                    let staging = FloatBuffer(count: m * k)
                    let madeCount = Mutex([Int](repeating: 0, count: m))
                    let operand: FrozenMatrix.OperandRows = { first, count, out in
                        out.update(from: a.pointer + first * k, count: count * k)
                        madeCount.withLock { for r in first..<first + count { $0[r] += 1 } }
                    }
                    if forward {
                        matrix.forward(a.pointer, count: m, beta: beta, into: written.pointer)
                        matrix.forward(.made(operand, staging: staging.pointer), count: m, beta: beta, into: made.pointer)
                    } else {
                        matrix.backward(a.pointer, count: m, beta: beta, into: written.pointer)
                        matrix.backward(.made(operand, staging: staging.pointer), count: m, beta: beta, into: made.pointer)
                    }
                    let label = "\(name), \(forward ? "forward" : "backward"), beta \(beta), \(shape)"
                    #expect(made.array == written.array, "\(label): the products differ")
                    #expect(madeCount.withLock { $0 } == [Int](repeating: 1, count: m), "\(label): rows made other than once")
                }
            }
        }
    }
}
