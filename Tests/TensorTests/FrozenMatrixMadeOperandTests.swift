import Foundation
import Synchronization
import Tensor
import TestSupport
import Testing

/// A product whose operand is made a block of rows at a time gives the bits of the same product on
/// the rows written whole, for every storage and both directions, makes each row exactly once, a few
/// at a time, and leaves its staging rows alone where it rounds its operand.
struct FrozenMatrixMadeOperandTests {
    /// Matrices of every storage a product can take, named: fp32, bf16 (rounding its operand where
    /// the CPU's bf16 products do, else widening), bf16 with the operand kept in fp32 (an output
    /// head's), int8 tiles, and int8 in a file's blocks.
    static func matrices(rows: Int, columns: Int) -> [(name: String, matrix: FrozenMatrix, rounds: (Bool) -> Bool)] {
        var rng = SeededGenerator(seed: 31)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let bf16Rounds = !Precision.bf16Widens
        return [
            ("fp32", FrozenMatrix(w, rows: rows, columns: columns, precision: .fp32), { _ in false }),
            ("bf16", FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16), { _ in bf16Rounds }),
            ("bf16, operand in fp32", FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16, roundsOperand: false),
             { _ in false }),
            ("int8 tiles", FrozenMatrix(w, rows: rows, columns: columns, precision: .int8), { _ in true }),
            ("int8 file blocks", Int8ProductTests.fileBlocks(rows: rows, columns: columns, rng: &rng).0,
             { forward in forward || bf16Rounds }),
        ]
    }

    @Test(arguments: [(37, 45, 96), (5, 70, 64), (64, 33, 32)])
    func madeRowsGiveTheBitsOfWrittenRows(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        for (name, matrix, rounds) in Self.matrices(rows: rows, columns: columns) {
            for forward in [true, false] {
                let (k, n) = forward ? (columns, rows) : (rows, columns)
                var rng = SeededGenerator(seed: 5)
                let a = rng.normalBuffer(count: m * k, std: 2)
                for beta: Float in [0, 1] {
                    let written = rng.normalBuffer(count: m * n, std: 1), made = FloatBuffer(written.array)
                    let staging = FloatBuffer([Float](repeating: .nan, count: m * k))
                    let madeCount = Mutex((rows: [Int](repeating: 0, count: m), largest: 0))
                    let operand: FrozenMatrix.OperandRows = { first, count, out in
                        out.update(from: a.pointer + first * k, count: count * k)
                        madeCount.withLock {
                            for r in first..<first + count { $0.rows[r] += 1 }
                            $0.largest = max($0.largest, count)
                        }
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
                    let calls = madeCount.withLock { $0 }
                    #expect(calls.rows == [Int](repeating: 1, count: m), "\(label): rows made other than once")
                    #expect(calls.largest <= 16, "\(label): \(calls.largest) rows made at once")
                    #expect(staging.array.allSatisfy(\.isNaN) == rounds(forward),
                            "\(label): the staging rows are \(rounds(forward) ? "written" : "not written whole")")
                }
            }
        }
    }

    /// The gate/up projection's backward as the decoder runs it: its operand made from kept rows
    /// (decoded into one thread buffer) by the gate's backward (into another), against the gate's
    /// backward on all the kept rows and the product on its result.
    @Test(arguments: [KeptRows.Encoding.fp32, .bf16, .int8])
    func theGatesBackwardMakesTheGateUpOperand(encoding: KeptRows.Encoding) {
        let (m, width, hidden) = (37, 48, 40)
        var rng = SeededGenerator(seed: 8)
        let matrix = FrozenMatrix(rng.normalBuffer(count: 2 * width * hidden, std: 1), rows: 2 * width, columns: hidden,
                                  precision: encoding == .int8 ? .int8 : .bf16)
        let kept = KeptRows(slots: 2, rows: m, width: 2 * width, encoding: encoding)
        for slot in 0..<2 {
            kept.working(slot: slot).update(from: rng.normalBuffer(count: m * 2 * width, std: 1).array, count: m * 2 * width)
            kept.keep(slot: slot, rows: 0..<m)
        }
        let dOut = rng.normalBuffer(count: m * width, std: 1)
        let dGateUp = FloatBuffer(count: m * 2 * width)
        GatedActivation.silu.backward(gateUp: kept.kept(slot: 0, 0..<m), dOut: dOut.pointer, rows: m, width: width,
                                      dGateUp: dGateUp.pointer)
        let written = FloatBuffer(count: m * hidden), made = FloatBuffer(count: m * hidden)
        let staging = FloatBuffer(count: m * 2 * width)
        matrix.backward(dGateUp.pointer, count: m, into: written.pointer)
        _ = kept.kept(slot: 1, 0..<m)
        matrix.backward(.made({ first, count, out in
            GatedActivation.silu.backwardOnThisThread(gateUp: kept.rows(slot: 0, first..<first + count),
                                                      dOut: dOut.pointer + first * width, rows: count, width: width,
                                                      dGateUp: out)
        }, staging: staging.pointer), count: m, into: made.pointer)
        #expect(made.array == written.array, "\(encoding)")
    }
}
