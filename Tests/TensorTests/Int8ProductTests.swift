import CInt8
import Tensor
import TestSupport
import Testing

/// The int8 products against a reference written here in Swift, of the same arithmetic: weights in
/// tiles of 32 x 32 and operand rows in blocks of 32, each scaled by 127 / its largest magnitude and
/// rounded to nearest even; each block's integer products summed exactly, then added to the fp32 sum
/// with one fused multiply-add, blocks in order. Every kernel must give the reference's bits.
/// Serialized: one test switches the int8 kernel, which is the process's.
@Suite(.serialized) struct Int8ProductTests {
    /// values [count] quantized with one scale: (integers, scale).
    static func quantize(_ values: [Float]) -> ([Int32], Float) {
        let largest = values.reduce(Float(0)) { max($0, abs($1)) }
        let inverse = largest > 0 ? 127 / largest : 0
        return (values.map { Int32(($0 * inverse).rounded(.toNearestOrEven)) }, largest / 127)
    }

    /// w [rows, columns] as int8 tiles: (values [rows, columns], scale of each tile [rows / 32][columns / 32]).
    static func quantizeTiles(_ w: [Float], rows: Int, columns: Int) -> ([Int32], [[Float]]) {
        var values = [Int32](repeating: 0, count: rows * columns)
        var scales = [[Float]](repeating: [Float](repeating: 0, count: (columns + 31) / 32), count: (rows + 31) / 32)
        for tileRow in 0..<scales.count {
            for tileColumn in 0..<scales[0].count {
                let cells = (tileRow * 32..<min(rows, tileRow * 32 + 32)).flatMap { r in
                    (tileColumn * 32..<min(columns, tileColumn * 32 + 32)).map { r * columns + $0 }
                }
                let (integers, scale) = quantize(cells.map { w[$0] })
                for (cell, integer) in zip(cells, integers) { values[cell] = integer }
                scales[tileRow][tileColumn] = scale
            }
        }
        return (values, scales)
    }

    /// c[m, n] = a[m, k] op(w) + beta c by the int8 arithmetic; op(w) = wᵀ (w [n, k]) or w (w [k, n]).
    static func reference(_ a: [Float], _ w: [Float], m: Int, n: Int, k: Int, transposed: Bool,
                          beta: Float = 0, c: [Float]? = nil) -> [Float] {
        let (weights, tiles) = transposed ? quantizeTiles(w, rows: n, columns: k) : quantizeTiles(w, rows: k, columns: n)
        func weight(_ p: Int, _ j: Int) -> (Int32, Float) {
            transposed ? (weights[j * k + p], tiles[j / 32][p / 32]) : (weights[p * n + j], tiles[p / 32][j / 32])
        }
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            let blocks = stride(from: 0, to: k, by: 32).map { quantize(Array(a[(i * k + $0)..<(i * k + min(k, $0 + 32))])) }
            for j in 0..<n {
                var sum: Float = 0
                for (b, (integers, operandScale)) in blocks.enumerated() {
                    let dot = integers.enumerated().reduce(Int32(0)) { $0 + $1.element * weight(b * 32 + $1.offset, j).0 }
                    sum = sum.addingProduct(Float(dot), operandScale * weight(b * 32, j).1)
                }
                out[i * n + j] = beta != 0 ? sum + c![i * n + j] : sum
            }
        }
        return out
    }

    /// (m, rows, columns): sizes off the 32-wide blocks and panels, rows off the 4- and 2-row tiles.
    static let shapes = [(7, 17, 33), (13, 64, 96), (1, 5, 3), (6, 32, 64), (25, 70, 41)]

    @Test(arguments: shapes)
    func everyKernelThisCPURunsGivesTheReferenceBits(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        var rng = SeededGenerator(seed: 21)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let matrix = FrozenMatrix(w, rows: rows, columns: columns, precision: .int8)
        let x = rng.normalBuffer(count: m * columns, std: 1), dy = rng.normalBuffer(count: m * rows, std: 1)
        let start = [Float](repeating: 0.5, count: m * columns)
        let forward = Self.reference(x.array, w.array, m: m, n: rows, k: columns, transposed: true)
        let backward = Self.reference(dy.array, w.array, m: m, n: columns, k: rows, transposed: false, beta: 1, c: start)
        let best = Precision.int8Kernels.inUse
        defer { Precision.int8Kernels.use(best) }
        for kernel in Precision.int8Kernels.available {
            #expect(Precision.int8Kernels.use(kernel) && Precision.int8Kernels.inUse == kernel)
            let y = FloatBuffer(count: m * rows), dx = FloatBuffer(start)
            matrix.forward(x.pointer, count: m, into: y.pointer)
            matrix.backward(dy.pointer, count: m, beta: 1, into: dx.pointer)
            #expect(y.array == forward, "\(kernel) forward differs from the reference at \(shape)")
            #expect(dx.array == backward, "\(kernel) backward differs from the reference at \(shape)")
        }
        print("int8 kernels run on this CPU: \(Precision.int8Kernels.available.joined(separator: ", "))")
        #expect(Precision.int8Kernels.available.first == "portable")
        #expect(!Precision.int8Kernels.use("no such kernel"))
    }

    /// A matrix [rows, columns] in a file's blocks (random integers of 5 bits, scales and offsets), with
    /// its weights widened to fp32.
    static func fileBlocks(rows: Int, columns: Int, rng: inout SeededGenerator) -> (FrozenMatrix, FloatBuffer) {
        let integers = (0..<rows * columns).map { _ in Int8(Int(rng.next() % 32) - 16) }
        let scales = (0..<rows * columns / 32).map { _ in Float(rng.next() % 100 + 1) / 512 }
        let offsets = (0..<rows * columns / 32).map { _ in Float16(Float(Int(rng.next() % 100) - 50) / 256) }
        let blocks = RowBlocks(hasOffsets: true) { range, values, scaleOut, offsetOut in
            values.update(from: integers.withUnsafeBufferPointer { $0.baseAddress! } + range.lowerBound * columns,
                          count: range.count * columns)
            for r in range {
                for b in 0..<columns / 32 {
                    scaleOut[(r - range.lowerBound) * columns / 32 + b] = scales[r * columns / 32 + b]
                    offsetOut?[(r - range.lowerBound) * columns / 32 + b] = offsets[r * columns / 32 + b]
                }
            }
        }
        let widened = FloatBuffer((0..<rows * columns).map {
            Float(integers[$0]) * scales[$0 / 32] + Float(offsets[$0 / 32])
        })
        let source = MatrixRows(rows: rows, columns: columns, rowBlocks: blocks) { range, out in
            out.update(from: widened.pointer + range.lowerBound * columns, count: range.count * columns)
        }
        return (FrozenMatrix(source, precision: .int8), widened)
    }

    /// A matrix in a file's blocks: its forward product gives the same bits on every kernel, and agrees
    /// with fp32 on the widened weights.
    @Test func rowBlocksGiveTheSameBitsOnEveryKernel() {
        let (m, rows, columns) = (7, 45, 96)
        var rng = SeededGenerator(seed: 24)
        let (matrix, widened) = Self.fileBlocks(rows: rows, columns: columns, rng: &rng)
        let x = rng.normalBuffer(count: m * columns, std: 1)
        let want = FloatBuffer(count: m * rows)
        FrozenMatrix(widened, rows: rows, columns: columns, precision: .fp32).forward(x.pointer, count: m,
                                                                                     into: want.pointer)
        let best = Precision.int8Kernels.inUse
        defer { Precision.int8Kernels.use(best) }
        var results: [[Float]] = []
        for kernel in Precision.int8Kernels.available {
            #expect(Precision.int8Kernels.use(kernel))
            let y = FloatBuffer(count: m * rows)
            matrix.forward(x.pointer, count: m, into: y.pointer)
            results.append(y.array)
        }
        #expect(results.allSatisfy { $0 == results[0] }, "the kernels differ")
        let largest = want.array.map(abs).max() ?? 1
        let error = zip(results[0], want.array).map { abs($0 - $1) }.max() ?? 0
        #expect(error / largest < 1e-4, "relative error \(error / largest)")
    }

    /// Backward through a matrix in a file's blocks walks its rows 256 at a time (600 rows: two whole
    /// blocks and one of 88), each block's product reading its own columns of the rounded gradient:
    /// the product of the gradient and the widened weights, each rounded to bf16 where the products
    /// do (`Precision.bf16Widens` false), to within fp32's summing.
    @Test func rowBlocksBackwardTakesTheRowsInBlocks() {
        let (m, rows, columns) = (7, 600, 96)
        var rng = SeededGenerator(seed: 25)
        let (matrix, widened) = Self.fileBlocks(rows: rows, columns: columns, rng: &rng)
        let dy = rng.normalBuffer(count: m * rows, std: 1)
        let dx = FloatBuffer(count: m * columns)
        matrix.backward(dy.pointer, count: m, into: dx.pointer)
        let rounds = !Precision.bf16Widens
        let want = FrozenMatrixTests.reference(dy.array, widened.array, m: m, n: columns, k: rows, transposed: false,
                                               roundsOperand: rounds, roundsWeights: rounds)
        let error = FrozenMatrixTests.relativeError(dx.array, want)
        #expect(error < 1e-5, "relative error \(error)")
    }

    /// Widening blocks with offsets, where q × scale is not exact in fp32: every kernel rounds the product,
    /// then the sum, as the reference does, in whole blocks and in a block cut short (span 20).
    @Test func widenedRowBlocksRoundAsTheReferenceOnEveryKernel() {
        let (rows, columns) = (3, 96)
        let integers = (0..<rows * columns).map { Int8(truncatingIfNeeded: $0 * 37 % 255 - 127) }
        let scales = (0..<rows * columns / 32).map { Float(0.1) + Float($0) / 7 }
        let offsets = (0..<rows * columns / 32).map { Float16(Float($0) - 2.5) }
        let offsetBits = offsets.map(\.bitPattern)
        let best = Precision.int8Kernels.inUse
        defer { Precision.int8Kernels.use(best) }
        for kernel in Precision.int8Kernels.available {
            #expect(Precision.int8Kernels.use(kernel))
            for (column, span) in [(0, 96), (64, 20), (32, 45)] {
                var out = [Float](repeating: .nan, count: rows * span)
                ptune_i8_widen_row_blocks(integers, scales, offsetBits, columns, 0, rows, column, span, &out, span)
                let want = (0..<rows * span).map { at -> Float in
                    let (r, c) = (at / span, column + at % span)
                    let product = Float(integers[r * columns + c]) * scales[r * 3 + c / 32]
                    return product + Float(offsets[r * 3 + c / 32])
                }
                #expect(out.map(\.bitPattern) == want.map(\.bitPattern), "\(kernel), columns \(column) + \(span)")
            }
        }
    }

    @Test func aRowIsItsIntegersTimesTheirTileScale() {
        var rng = SeededGenerator(seed: 22)
        let (rows, columns) = (40, 70)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let matrix = FrozenMatrix(w, rows: rows, columns: columns, precision: .int8)
        #expect(matrix.byteCount == rows * columns + 2 * 3 * 4, "a byte per weight and a scale per tile")
        let (values, scales) = Self.quantizeTiles(w.array, rows: rows, columns: columns)
        let row = FloatBuffer(count: columns)
        matrix.row(35, into: row.pointer)
        #expect(row.array == (0..<columns).map { Float(values[35 * columns + $0]) * scales[1][$0 / 32] })
    }

    @Test func aHeadKeepsItsOperandInFP32() {
        var rng = SeededGenerator(seed: 23)
        let (m, rows, columns) = (5, 600, 37)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let matrix = FrozenMatrix(w, rows: rows, columns: columns, precision: .int8, roundsOperand: false)
        let widened = FloatBuffer(count: rows * columns)
        for r in 0..<rows { matrix.row(r, into: widened.pointer + r * columns) }
        let x = rng.normalBuffer(count: m * columns, std: 1), dy = rng.normalBuffer(count: m * rows, std: 1)
        let y = FloatBuffer(count: m * rows), dx = FloatBuffer(count: m * columns)
        matrix.forward(x.pointer, count: m, into: y.pointer)
        matrix.backward(dy.pointer, count: m, into: dx.pointer)
        let exact = FrozenMatrix(widened, rows: rows, columns: columns, precision: .fp32)
        let y32 = FloatBuffer(count: m * rows), dx32 = FloatBuffer(count: m * columns)
        exact.forward(x.pointer, count: m, into: y32.pointer)
        exact.backward(dy.pointer, count: m, into: dx32.pointer)
        #expect(FrozenMatrixTests.relativeError(y.array, y32.array.map(Double.init)) < 1e-6)
        #expect(FrozenMatrixTests.relativeError(dx.array, dx32.array.map(Double.init)) < 1e-6)
    }
}
