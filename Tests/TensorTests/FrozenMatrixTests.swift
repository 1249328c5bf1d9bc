import CBF16
import Foundation
import Tensor
import TestSupport
import Testing

/// The bf16 products against a float64 reference computed from the same bf16-rounded weights and,
/// where the CPU's bf16 kernel multiplies, operands (so only the fp32 accumulation may differ), and
/// fp32 as stored against sgemm's own definition.
/// Serialized: one test switches the bf16 kernel, which is the process's.
@Suite(.serialized) struct FrozenMatrixTests {
    /// Reference c[m, n] = a[m, k] · op(w) with op(w) = wᵀ ([n, k]) or w ([k, n]), w in bf16 when
    /// `roundsWeights` and a in bf16 too when `roundsOperand`.
    static func reference(_ a: [Float], _ w: [Float], m: Int, n: Int, k: Int, transposed: Bool,
                          roundsOperand: Bool = true, roundsWeights: Bool = true) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let weight = transposed ? w[j * k + p] : w[p * n + j]
                    let operand = roundsOperand ? BF16Rounding.round(a[i * k + p]) : a[i * k + p]
                    s += Double(operand) * Double(roundsWeights ? BF16Rounding.round(weight) : weight)
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    static func relativeError(_ got: [Float], _ want: [Double]) -> Double {
        var err = 0.0, norm = 0.0
        for (g, w) in zip(got, want) {
            err += (Double(g) - w) * (Double(g) - w)
            norm += w * w
        }
        return (err / max(norm, 1e-30)).squareRoot()
    }

    /// (m, rows, columns): odd inner sizes, column counts off the 32-wide panel, rows off the 6-row tile
    /// and the AMX kernel's 32-row blocks, inner sizes of whole AMX tiles (32 k) and not, and one whose
    /// panel the AMX kernel takes in two parts (more than 20 tiles of k). Forward, the last three take A
    /// whole in nine parts of k (k 5500), then part by part for every panel (A longer than L2), all of
    /// them in one group (k 5500) and in two groups of rows (m 1700).
    static let shapes = [(7, 17, 33), (13, 64, 16), (1, 5, 3), (6, 32, 64), (25, 70, 41), (70, 40, 96), (33, 40, 700),
                         (100, 70, 5500), (200, 70, 5500), (1700, 40, 700)]

    @Test(arguments: shapes)
    func bothDirectionsMatchTheBF16Reference(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        var rng = SeededGenerator(seed: 7)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let matrix = FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16)
        // In panels where the kernel in use has bf16 dot products: rows and columns padded to 32.
        let stored = FrozenMatrix.bf16InPanels ? ptune_bf16_panels_elements(rows, columns) : rows * columns
        #expect(matrix.byteCount == stored * 2)
        let row = FloatBuffer(count: columns)
        for r in [0, rows / 2, rows - 1] {
            matrix.row(r, into: row.pointer)
            #expect(row.array == (0..<columns).map { BF16Rounding.round(w.array[r * columns + $0]) }, "row \(r) of \(shape)")
        }

        let x = rng.normalBuffer(count: m * columns, std: 1)
        let y = FloatBuffer(count: m * rows)
        matrix.forward(x.pointer, count: m, into: y.pointer)
        let rounds = !Precision.bf16Widens
        let forwardError = Self.relativeError(y.array, Self.reference(x.array, w.array, m: m, n: rows, k: columns, transposed: true,
                                                                      roundsOperand: rounds))
        #expect(forwardError < 1e-6, "forward \(shape): relative error \(forwardError)")

        let dy = rng.normalBuffer(count: m * rows, std: 1)
        let dx = FloatBuffer(count: m * columns)
        matrix.backward(dy.pointer, count: m, into: dx.pointer)
        let backwardError = Self.relativeError(dx.array, Self.reference(dy.array, w.array, m: m, n: columns, k: rows, transposed: false,
                                                                        roundsOperand: rounds))
        #expect(backwardError < 1e-6, "backward \(shape): relative error \(backwardError)")
    }

    /// Every bf16 register kernel this CPU runs (AVX-512 BF16, AVX2, portable C) does the same
    /// arithmetic: the same products, bit for bit, in both directions and with beta 1. The AMX kernel,
    /// where the CPU has it, gives the bits of its own arithmetic (`amxReference`) where the CPU sums
    /// in the order measured (`amxSumsAsMeasured`), else products within fp32's rounding of exact.
    /// Each kernel runs through `ptune_bf16_gemm_with`, so the kernel other suites use stays as it is.
    @Test(arguments: shapes)
    func everyKernelThisCPURunsGivesTheSameBits(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        var rng = SeededGenerator(seed: 12)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let x = rng.normalBuffer(count: m * columns, std: 1), dy = rng.normalBuffer(count: m * rows, std: 1)
        // The operands as the products take them: bf16 rows padded to an even length.
        let weights = Self.bf16(w.array, rows: rows, columns: columns, stride: columns)
        let (xStride, dyStride) = ((columns + 1) & ~1, (rows + 1) & ~1)
        let xRounded = Self.bf16(x.array, rows: m, columns: columns, stride: xStride)
        let dyRounded = Self.bf16(dy.array, rows: m, columns: rows, stride: dyStride)
        var results: [String: [Float]] = [:]
        for (kernel, name) in Precision.bf16Kernels.available.enumerated() {
            var y = [Float](repeating: 0, count: m * rows), dx = [Float](repeating: 0.5, count: m * columns)
            #expect(ptune_bf16_gemm_with(Int32(kernel), Int32(m), Int32(rows), Int32(columns), xRounded, Int32(xStride),
                                         weights, 1, 0, &y, Int32(rows), 0, Int32(rows)) == 1)
            #expect(ptune_bf16_gemm_with(Int32(kernel), Int32(m), Int32(columns), Int32(rows), dyRounded, Int32(dyStride),
                                         weights, 0, 1, &dx, Int32(columns), 0, Int32(columns)) == 1)
            results[name] = y + dx
        }
        print("bf16 kernels run on this CPU: \(Precision.bf16Kernels.available.joined(separator: ", "))")
        #expect(Precision.bf16Kernels.available.first == "portable")
        let forward = Self.reference(x.array, w.array, m: m, n: rows, k: columns, transposed: true)
        if let amx = results.removeValue(forKey: "amx-bf16") {
            if Self.amxSumsAsMeasured {
                let y = Self.amxReference(xRounded, lda: xStride, weights, m: m, n: rows, k: columns, transposed: true)
                let dx = Self.amxReference(dyRounded, lda: dyStride, weights, m: m, n: columns, k: rows, transposed: false)
                #expect(amx == y + dx.map { $0 + 0.5 }, "amx-bf16 differs from its arithmetic at \(shape)")
            } else {
                print("this CPU's AMX sums in another order than measured: its products are checked against exact sums")
                #expect(Self.relativeError(Array(amx.prefix(m * rows)), forward) < 1e-6)
            }
        }
        let register = results["avx512-bf16"] ?? results["avx2"] ?? results["portable"] ?? []
        #expect(Self.relativeError(Array(register.prefix(m * rows)), forward) < 1e-6)
        #expect(ptune_bf16_gemm_with(Int32(Precision.bf16Kernels.names.count), 1, 1, 1, [0, 0], 2, [0], 1, 0, nil, 1,
                                     0, 1) == 0)
        for (kernel, values) in results {
            #expect(values == register, "\(kernel) differs from the other register kernels at \(shape)")
        }
        #expect(!Precision.bf16Kernels.use("no such kernel"))
    }

    /// Weights in panels (`ptune_bf16_to_panels`, written a block of 32 rows at a time) give every
    /// kernel the bits the same weights give it row-major: forward (read in place) and backward
    /// (re-packed), over column ranges that start at a panel and with beta 1; the last two shapes
    /// re-pack the backward's panels in several parts of k (700 rows), with A whole and not (1200 rows),
    /// which only the AMX kernel takes in parts: the other kernels skip products of more than 4 M
    /// multiply-adds (the portable one reads panels a value at a time). A range that does not start at
    /// a panel, or a part of A's k, is refused.
    @Test(arguments: shapes + [(40, 700, 96), (1200, 700, 32)])
    func weightsInPanelsGiveTheBitsOfRows(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        var rng = SeededGenerator(seed: 21)
        let w = rng.normalBuffer(count: rows * columns, std: 1).array
        let x = rng.normalBuffer(count: m * columns, std: 1).array, dy = rng.normalBuffer(count: m * rows, std: 1).array
        let weights = Self.bf16(w, rows: rows, columns: columns, stride: columns)
        var panels = [UInt16](repeating: 0, count: ptune_bf16_panels_elements(rows, columns))
        for first in stride(from: 0, to: rows, by: 32) {
            ptune_bf16_to_panels(Array(w[(first * columns)...]), columns, first, min(32, rows - first), &panels)
        }
        let (xStride, dyStride) = ((columns + 1) & ~1, (rows + 1) & ~1)
        let xRounded = Self.bf16(x, rows: m, columns: columns, stride: xStride)
        let dyRounded = Self.bf16(dy, rows: m, columns: rows, stride: dyStride)
        for (kernel, name) in Precision.bf16Kernels.available.enumerated().map({ (Int32($0), $1) })
        where name == "amx-bf16" || m * rows * columns <= 4 << 20 {
            /// Forward and backward over the column ranges [0, 32) and [32, n), onto 0.5.
            func products(_ b: [UInt16], forward: Int32, backward: Int32) -> [Float] {
                var y = [Float](repeating: 0.5, count: m * rows), dx = [Float](repeating: 0.5, count: m * columns)
                for (begin, end) in [(0, min(32, rows)), (32, rows)] where begin < end {
                    #expect(ptune_bf16_gemm_with(kernel, Int32(m), Int32(rows), Int32(columns), xRounded, Int32(xStride), b,
                                                 forward, 1, &y, Int32(rows), Int32(begin), Int32(end)) == 1)
                }
                for (begin, end) in [(0, min(32, columns)), (32, columns)] where begin < end {
                    #expect(ptune_bf16_gemm_with(kernel, Int32(m), Int32(columns), Int32(rows), dyRounded, Int32(dyStride), b,
                                                 backward, 1, &dx, Int32(columns), Int32(begin), Int32(end)) == 1)
                }
                return y + dx
            }
            let fromPanels = products(panels, forward: Int32(PTUNE_BF16_B_PANELS_TRANSPOSED), backward: Int32(PTUNE_BF16_B_PANELS))
            let fromRows = products(weights, forward: Int32(PTUNE_BF16_B_TRANSPOSED), backward: Int32(PTUNE_BF16_B_ROWS))
            let same = fromPanels == fromRows
            #expect(same, "\(name) at \(shape)")
            var c = [Float](repeating: 0, count: m * rows)
            #expect(ptune_bf16_gemm_with(kernel, Int32(m), Int32(rows), Int32(columns), xRounded, Int32(xStride), panels,
                                         Int32(PTUNE_BF16_B_PANELS_TRANSPOSED), 0, &c, Int32(rows), 16, Int32(rows)) == 0)
            let operand = [UInt16](repeating: 0, count: ptune_bf16_operand_elements(kernel, m, 64))
            #expect(ptune_bf16_gemm_operand(kernel, Int32(m), Int32(rows), 32, operand, 64, 0, panels,
                                            Int32(PTUNE_BF16_B_PANELS_TRANSPOSED), 0, &c, Int32(rows), 0, Int32(rows)) == 0)
        }
    }

    /// Each kernel's own operand layout (`ptune_bf16_round_operand`, rows rounded in ranges that split
    /// the AMX kernel's 16-row tiles, and `ptune_bf16_gemm_operand` over a range of k from a multiple
    /// of 32) gives the bits of the same kernel on row-major rows; ranges of k it cannot take are refused.
    @Test(arguments: [(45, 70, 100), (33, 40, 700), (5, 3, 64), (17, 9, 99)])
    func everyKernelsOperandLayoutGivesItsRowMajorBits(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = SeededGenerator(seed: 17)
        let a = rng.normalBuffer(count: m * k, std: 1).array
        let w = Self.bf16(rng.normalBuffer(count: k * n, std: 1).array, rows: k, columns: n, stride: n)
        let lda = (k + 1) & ~1
        let rows = Self.bf16(a, rows: m, columns: k, stride: lda)
        for kernel in Precision.bf16Kernels.available.indices.map(Int32.init) {
            var operand = [UInt16](repeating: 0xffff, count: ptune_bf16_operand_elements(kernel, m, k))
            for range in [0..<min(m, 5), min(m, 5)..<min(m, 23), min(m, 23)..<m] where !range.isEmpty {
                ptune_bf16_round_operand(kernel, Array(a[(range.lowerBound * k)...]), m, k, range.lowerBound, range.count,
                                         &operand)
            }
            for (first, count) in [(0, k), (32, k - 32), (0, 32)] {
                var fromOperand = [Float](repeating: 0.25, count: m * n), fromRows = fromOperand
                #expect(ptune_bf16_gemm_operand(kernel, Int32(m), Int32(n), Int32(count), operand, Int32(k), Int32(first),
                                                Array(w[(first * n)...]), 0, 1, &fromOperand, Int32(n), 0, Int32(n)) == 1)
                #expect(ptune_bf16_gemm_with(kernel, Int32(m), Int32(n), Int32(count), Array(rows[first...]), Int32(lda),
                                             Array(w[(first * n)...]), 0, 1, &fromRows, Int32(n), 0, Int32(n)) == 1)
                #expect(fromOperand == fromRows, "kernel \(kernel), k \(first) + \(count) of \(shape)")
            }
            var c = [Float](repeating: 0, count: m * n)
            for (first, count) in [(16, k - 16), (0, 40), (0, k + 1)] {
                #expect(ptune_bf16_gemm_operand(kernel, Int32(m), Int32(n), Int32(count), operand, Int32(k), Int32(first),
                                                w, 0, 0, &c, Int32(n), 0, Int32(n)) == 0)
            }
        }
    }

    /// Every kernel's operand holds the same values, wherever they fall: each nearest bf16 with ties to
    /// even, subnormals as signed zeros (as vcvtne2ps2bf16 reads them), in whole runs of 32 and in the
    /// last few of a row, with zeros in the padding (to an even length in rows; to 32 columns and 32
    /// rows in the AMX kernel's tiles, [row tile][k tile][16][32]).
    @Test func everyKernelRoundsTheOperandAlike() {
        let (m, k) = (19, 45)
        var rng = SeededGenerator(seed: 19)
        var values = rng.normalBuffer(count: m * k, std: 1).array
        let tie = Float(bitPattern: 0x3f80_8000), subnormal = Float.leastNormalMagnitude / 4
        for (at, value) in [(3, tie), (4, -subnormal), (40, subnormal), (k + 41, -tie), (5 * k + 44, -subnormal)] {
            values[at] = value
        }
        func expected(_ value: Float) -> UInt16 {
            value.isSubnormal ? (value.sign == .minus ? 0x8000 : 0) : UInt16(BF16Rounding.round(value).bitPattern >> 16)
        }
        for kernel in Precision.bf16Kernels.available.indices.map(Int32.init) {
            let tiles = kernel == PTUNE_BF16_AMX
            let (rows, columns) = tiles ? ((m + 31) / 32 * 32, (k + 31) / 32 * 32) : (m, (k + 1) & ~1)
            func at(_ r: Int, _ c: Int) -> Int {
                tiles ? ((r / 16) * (columns / 32) + c / 32) * 512 + (r % 16) * 32 + c % 32 : r * columns + c
            }
            var operand = [UInt16](repeating: 0xffff, count: ptune_bf16_operand_elements(kernel, m, k))
            #expect(operand.count == rows * columns)
            ptune_bf16_round_operand(kernel, Array(values[(5 * k)...]), m, k, 5, m - 5, &operand)
            ptune_bf16_round_operand(kernel, values, m, k, 0, 5, &operand)
            for r in 0..<rows {
                for c in 0..<columns {
                    let want = r < m && c < k ? expected(values[r * k + c]) : 0
                    #expect(operand[at(r, c)] == want, "kernel \(kernel), row \(r), column \(c)")
                }
            }
        }
    }

    /// c[m, n] = a[m, k] · op(w) in the AMX kernel's arithmetic (tdpbf16ps, as measured on an Emerald
    /// Rapids Xeon): per run of 32 k, the even products summed in order in fp32, the odd ones likewise,
    /// and their sum added to c. a is bf16 with row stride lda; w is [n, k] when transposed, else
    /// [k, n]. For finite sums of normal values: the hardware reads and writes subnormals as zero.
    static func amxReference(_ a: [UInt16], lda: Int, _ w: [UInt16], m: Int, n: Int, k: Int,
                             transposed: Bool) -> [Float] {
        func widen(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for run in stride(from: 0, to: k, by: 32) {
                    var even: Float = 0, odd: Float = 0
                    for p in stride(from: run, to: min(run + 32, k), by: 1) {
                        let product = widen(a[i * lda + p]) * widen(transposed ? w[j * k + p] : w[p * n + j])
                        if p % 2 == 0 { even += product } else { odd += product }
                    }
                    sum += even + odd
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    /// Whether this CPU's AMX sums as `amxReference` does, on one 32 × 32 product of random values
    /// (on which summing the pairs in turn, as Intel's manual describes, differs in about half the
    /// outputs); false without AMX.
    static let amxSumsAsMeasured: Bool = {
        guard let amx = Precision.bf16Kernels.names.firstIndex(of: "amx-bf16"),
              Precision.bf16Kernels.available.count > amx else { return false }
        var rng = SeededGenerator(seed: 31)
        let a = bf16(rng.normalBuffer(count: 32 * 32, std: 1).array, rows: 32, columns: 32, stride: 32)
        let w = bf16(rng.normalBuffer(count: 32 * 32, std: 1).array, rows: 32, columns: 32, stride: 32)
        var c = [Float](repeating: 0, count: 32 * 32)
        ptune_bf16_gemm_with(Int32(amx), 32, 32, 32, a, 32, w, 1, 0, &c, 32, 0, 32)
        return c == amxReference(a, lda: 32, w, m: 32, n: 32, k: 32, transposed: true)
    }()

    /// values [rows, columns] rounded to bf16 into rows of `stride` (zeros beyond `columns`).
    static func bf16(_ values: [Float], rows: Int, columns: Int, stride: Int) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: max(1, rows * stride))
        ptune_bf16_round_rows(values, rows, columns, &out, stride)
        return out
    }

    /// On a CPU without bf16 dot products (and no `PTUNE_BF16_KERNEL`), or on any CPU with
    /// `PTUNE_BF16_KERNEL=widened`, a bf16 matrix's products widen its weights and keep the operand in
    /// fp32, as the output head's do: the same bits as a matrix built not to round its operand.
    /// Otherwise only the choice is checked; the widened arithmetic itself is
    /// `widenedProductsKeepTheOperandInFP32`'s on every CPU.
    @Test func withoutBF16DotProductsTheWeightsAreWidened() {
        #expect(Precision.hasBF16DotProducts == (ptune_bf16_best_kernel() >= Int32(PTUNE_BF16_AVX512)))
        let widening = ProcessInfo.processInfo.environment["PTUNE_BF16_KERNEL"] == "widened"
        #expect(Precision.bf16Widens == (widening || (!Precision.hasBF16DotProducts && ptune_bf16_kernel_asked() == 0)))
        guard Precision.bf16Widens else { return }
        #expect(Precision.bf16.kernel == "widened, " + Precision.fp32.kernel)
        var rng = SeededGenerator(seed: 13)
        let (m, rows, columns) = (6, 601, 37)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let x = rng.normalBuffer(count: m * columns, std: 1), dy = rng.normalBuffer(count: m * rows, std: 1)
        var outputs: [[Float]] = []
        for roundsOperand in [true, false] {
            let matrix = FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16, roundsOperand: roundsOperand)
            let y = FloatBuffer(count: m * rows), dx = FloatBuffer(count: m * columns)
            matrix.forward(x.pointer, count: m, into: y.pointer)
            matrix.backward(dy.pointer, count: m, into: dx.pointer)
            outputs.append(y.array + dx.array)
        }
        #expect(outputs[0] == outputs[1])
    }

    /// (m, rows, columns): one block of rows, and several with a short last one and an odd width.
    @Test(arguments: [(3, 40, 24), (5, 601, 37)])
    func widenedProductsKeepTheOperandInFP32(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        var rng = SeededGenerator(seed: 11)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let matrix = FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16, roundsOperand: false)
        let x = rng.normalBuffer(count: m * columns, std: 1)
        let y = FloatBuffer(count: m * rows)
        matrix.forward(x.pointer, count: m, into: y.pointer)
        let forward = Self.reference(x.array, w.array, m: m, n: rows, k: columns, transposed: true, roundsOperand: false)
        #expect(Self.relativeError(y.array, forward) < 1e-6)

        let dy = rng.normalBuffer(count: m * rows, std: 1)
        let dx = FloatBuffer(Array(repeating: 1, count: m * columns))
        matrix.backward(dy.pointer, count: m, beta: 1, into: dx.pointer)
        let backward = Self.reference(dy.array, w.array, m: m, n: columns, k: rows, transposed: false, roundsOperand: false)
        #expect(Self.relativeError(dx.array, backward.map { $0 + 1 }) < 1e-6)
        // Rounding the operand as well would be off by far more than fp32 sums are.
        let rounded = Self.reference(x.array, w.array, m: m, n: rows, k: columns, transposed: true)
        #expect(Self.relativeError(y.array, rounded) > 1e-4)
    }

    @Test func betaOneAddsToWhatIsThere() {
        var rng = SeededGenerator(seed: 8)
        let (m, rows, columns) = (9, 40, 24)
        let w = rng.normalBuffer(count: rows * columns, std: 1)
        let x = rng.normalBuffer(count: m * columns, std: 1)
        let matrix = FrozenMatrix(w, rows: rows, columns: columns, precision: .bf16)
        let alone = FloatBuffer(count: m * rows)
        matrix.forward(x.pointer, count: m, into: alone.pointer)
        let added = FloatBuffer(count: m * rows)
        for i in 0..<added.count { added.pointer[i] = Float(i % 5) }
        matrix.forward(x.pointer, count: m, beta: 1, into: added.pointer)
        for i in 0..<added.count { #expect(added[i] == alone[i] + Float(i % 5)) }
    }

    @Test(arguments: [Precision.fp32, .bf16])
    func aRowReadsTheStoredValues(precision: Precision) {
        var rng = SeededGenerator(seed: 10)
        let w = rng.normalBuffer(count: 5 * 7, std: 1)
        let matrix = FrozenMatrix(w, rows: 5, columns: 7, precision: precision)
        let row = FloatBuffer(count: 7)
        matrix.row(3, into: row.pointer)
        let stored = w.array[21..<28].map { precision == .bf16 ? BF16Rounding.round($0) : $0 }
        #expect(row.array == Array(stored))
    }

    /// int8 values with a scale per row and block of 32 columns (a Q8_0 tensor's layout) are kept
    /// exactly: rows and products are those of the widened values in fp32, whatever the precision.
    /// (m, rows, columns): a short last block, several blocks of 256 rows, a width over two threads';
    /// few rows (at most `FrozenMatrix.fewRows`: eight and one more, a short last group of sixteen
    /// columns) widen each weight in registers, more rows widen blocks for sgemm.
    @Test(arguments: [(3, 40, 48), (5, 600, 96), (2, 7, 200), (9, 300, 72), (20, 40, 48)])
    func int8RowBlocksAreExact(shape: (Int, Int, Int)) {
        let (m, rows, columns) = shape
        var rng = SeededGenerator(seed: 14)
        let blocks = (columns + 31) / 32
        let q = (0..<rows * columns).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
        let d = (0..<rows * blocks).map { _ in Float(rng.next() % 1000 + 1) / 65536 }
        let widened = FloatBuffer((0..<rows * columns).map { Float(q[$0]) * d[$0 / columns * blocks + $0 % columns / 32] })
        for precision in Precision.allCases {
            let matrix = FrozenMatrix(rows: rows, columns: columns, precision: precision) { values, scales in
                values.update(from: q, count: q.count)
                scales.update(from: d, count: d.count)
            }
            #expect(matrix.byteCount == rows * columns + 4 * rows * blocks && !matrix.roundsOperand)
            let row = FloatBuffer(count: columns)
            matrix.row(rows - 1, into: row.pointer)
            #expect(row.array == Array(widened.array[(rows - 1) * columns..<rows * columns]))
            // c's old values are never read with beta 0, even NaN.
            let x = rng.normalBuffer(count: m * columns, std: 1), y = FloatBuffer(Array(repeating: .nan, count: m * rows))
            matrix.forward(x.pointer, count: m, into: y.pointer)
            let forward = Self.reference(x.array, widened.array, m: m, n: rows, k: columns, transposed: true, roundsOperand: false,
                                         roundsWeights: false)
            #expect(Self.relativeError(y.array, forward) < 1e-6, "\(precision) forward \(shape)")
            matrix.forward(x.pointer, count: m, beta: 1, into: y.pointer)
            #expect(Self.relativeError(y.array, forward.map { 2 * $0 }) < 1e-6, "\(precision) forward, beta 1 \(shape)")
            let dy = rng.normalBuffer(count: m * rows, std: 1), dx = FloatBuffer(Array(repeating: .nan, count: m * columns))
            matrix.backward(dy.pointer, count: m, into: dx.pointer)
            let backward = Self.reference(dy.array, widened.array, m: m, n: columns, k: rows, transposed: false, roundsOperand: false,
                                          roundsWeights: false)
            #expect(Self.relativeError(dx.array, backward) < 1e-6, "\(precision) backward \(shape)")
            matrix.backward(dy.pointer, count: m, beta: 1, into: dx.pointer)
            #expect(Self.relativeError(dx.array, backward.map { 2 * $0 }) < 1e-6, "\(precision) backward, beta 1 \(shape)")
        }
    }

    /// Each rounded precision with the largest and the smallest relative error allowed against fp32.
    @Test(arguments: [(Precision.bf16, 1e-2, 0.0), (.int8, 2e-2, 1e-4)])
    func roundedWeightsAreCloseToFp32(_ bounds: (Precision, Double, Double)) {
        let (precision, largest, smallest) = bounds
        var rng = SeededGenerator(seed: 9)
        let (m, rows, columns) = (16, 96, 576)
        let w = rng.normalBuffer(count: rows * columns, std: 0.05)
        let x = rng.normalBuffer(count: m * columns, std: 1)
        let exact = FloatBuffer(count: m * rows), rounded = FloatBuffer(count: m * rows)
        FrozenMatrix(w, rows: rows, columns: columns, precision: .fp32).forward(x.pointer, count: m, into: exact.pointer)
        FrozenMatrix(w, rows: rows, columns: columns, precision: precision).forward(x.pointer, count: m, into: rounded.pointer)
        let error = Self.relativeError(rounded.array, exact.array.map(Double.init))
        #expect(error < largest, "\(precision) vs fp32: relative error \(error)")
        #expect(error > smallest, "\(precision) rounding must show")
    }
}
