import CVector
import Tensor
import TestSupport
import Testing

/// Attention's small products (`AttentionProducts`) against sums in Double, over shapes on and off the
/// kernels' tiles (rows by four, columns by sixteen, head dimensions below and above sixteen), causal
/// and not, writing nothing past their rows' ends, on every kernel this CPU runs; and the AVX2 and
/// AVX-512 ones giving the same bits, whole AVX-512 tiles included (the portable one rounds each
/// product and sum). The kernels are switched on the test's thread only.
@Suite(.serialized) struct AttentionProductsTests {
    /// (m rows, n keys, d, causal offset): the bench's shape, a segment's own block, context blocks,
    /// and odd sizes.
    static let shapes: [(Int, Int, Int, Int?)] = [
        (64, 80, 64, 16), (64, 64, 64, 0), (5, 7, 4, nil), (9, 9, 16, 0), (13, 30, 20, 17), (6, 21, 33, 2),
        (17, 3, 48, nil), (3, 40, 100, 36),
    ]

    /// The keys row i sees.
    static func seen(_ i: Int, n: Int, offset: Int?) -> Int { offset.map { min(n, i + $0 + 1) } ?? n }

    /// A random [rows, columns] matrix with row stride `stride`, the padding NaN (never to be read).
    static func matrix(_ rows: Int, _ columns: Int, stride: Int, _ rng: inout SeededGenerator) -> [Float] {
        var values = [Float](repeating: .nan, count: rows * stride)
        for r in 0..<rows {
            for c in 0..<columns { values[r * stride + c] = rng.normal() }
        }
        return values
    }

    /// Probabilities-like weights [m, n]: zero where row i does not see key j, as softmax leaves them.
    static func weights(_ m: Int, _ n: Int, offset: Int?, _ rng: inout SeededGenerator) -> [Float] {
        (0..<m * n).map { index in
            index % n < seen(index / n, n: n, offset: offset) ? rng.normal() : 0
        }
    }

    /// Whether `value` is within the rounding errors of a float sum of up to a hundred terms of the
    /// Double sum whose terms' magnitudes add to `magnitude`.
    static func close(_ value: Float, _ exact: Double, magnitude: Double) -> Bool {
        abs(Double(value) - exact) <= 4e-6 * magnitude + 1e-30
    }

    /// Checks `out` [rows, stride] against sums in Double: in row r, the first `checked(r)` values
    /// (all `width` by default) are the sum of `terms(r, column)` (plus `before`'s value where given);
    /// the values after `width` are still NaN. Returns the checked values' bits.
    static func expectRows(_ out: [Float], _ name: String, of shape: (Int, Int, Int, Int?), rows: Int, width: Int,
                           stride: Int, adding before: [Float]? = nil, checked: ((Int) -> Int)? = nil,
                           terms: (Int, Int) -> [Double]) -> [UInt32] {
        var bits: [UInt32] = []
        for r in 0..<rows {
            for column in 0..<(checked?(r) ?? width) {
                let parts = terms(r, column), old = before.map { Double($0[r * stride + column]) } ?? 0
                let exact = parts.reduce(0, +) + old, magnitude = parts.map(abs).reduce(0, +) + abs(old)
                #expect(close(out[r * stride + column], exact, magnitude: magnitude),
                        "\(name) (\(r), \(column)) of \(shape)")
                bits.append(out[r * stride + column].bitPattern)
            }
            let untouched = out[(r * stride + width)..<((r + 1) * stride)].allSatisfy { $0.isNaN }
            #expect(untouched, "\(name) past \(width) in row \(r) of \(shape)")
        }
        return bits
    }

    struct Outputs: Equatable {
        var transposed: [UInt32] = [], scores: [UInt32] = [], weighted: [UInt32] = [], keyGradient: [UInt32] = []
    }

    /// All four products of one shape with the process's kernel, checked against Double sums; returns
    /// their bits (scores only where seen).
    static func run(_ shape: (Int, Int, Int, Int?), seed: UInt64) -> Outputs {
        let (m, n, d, offset) = shape
        var rng = SeededGenerator(seed: seed)
        let (lda, ldx) = (d + 5, d + 3)
        let a = matrix(m, d, stride: lda, &rng)
        let keys = matrix(n, d, stride: ldx, &rng)
        let ldt = AttentionProducts.transposedStride(keys: n)
        var keysT = [Float](repeating: 0, count: d * ldt)
        AttentionProducts.transpose(keys, rows: n, d: d, ldx: ldx, into: &keysT, ldt: ldt)
        var outputs = Outputs()
        for j in 0..<n {
            for k in 0..<d {
                #expect(keysT[k * ldt + j] == keys[j * ldx + k], "transpose at (\(j), \(k)) of \(shape)")
                outputs.transposed.append(keysT[k * ldt + j].bitPattern)
            }
        }
        // Three columns after each row's n, NaN, must stay untouched.
        let ldc = n + 3
        var scores = [Float](repeating: .nan, count: m * ldc)
        AttentionProducts.scores(m: m, n: n, d: d, alpha: 0.5, a: a, lda: lda, bt: keysT, ldbt: ldt, into: &scores,
                                 ldc: ldc, causalOffset: offset)
        outputs.scores = expectRows(scores, "score", of: shape, rows: m, width: n, stride: ldc,
                                    checked: { seen($0, n: n, offset: offset) }) { i, j in
            (0..<d).map { 0.5 * Double(a[i * lda + $0]) * Double(keys[j * ldx + $0]) }
        }
        let p = weights(m, n, offset: offset, &rng)
        // beta 0 must not read y (NaN), beta 1 adds to it.
        for beta: Float in [0, 1] {
            var y = beta == 0 ? [Float](repeating: .nan, count: m * ldx) : matrix(m, d, stride: ldx, &rng)
            let before = beta == 0 ? nil : y
            AttentionProducts.weighted(m: m, n: n, d: d, alpha: 2, p: p, ldp: n, x: keys, ldx: ldx, beta: beta,
                                       into: &y, ldy: ldx, causalOffset: offset)
            outputs.weighted += expectRows(y, "weighted", of: shape, rows: m, width: d, stride: ldx,
                                           adding: before) { i, c in
                (0..<n).map { 2 * Double(p[i * n + $0]) * Double(keys[$0 * ldx + c]) }
            }
            var g = beta == 0 ? [Float](repeating: .nan, count: n * ldx) : matrix(n, d, stride: ldx, &rng)
            let gBefore = beta == 0 ? nil : g
            AttentionProducts.weightedTransposed(m: m, n: n, d: d, alpha: 2, p: p, ldp: n, x: a, ldx: lda, beta: beta,
                                                 into: &g, ldg: ldx, causalOffset: offset)
            outputs.keyGradient += expectRows(g, "key gradient", of: shape, rows: n, width: d, stride: ldx,
                                              adding: gBefore) { j, c in
                (0..<m).map { 2 * Double(p[$0 * n + j]) * Double(a[$0 * lda + c]) }
            }
        }
        return outputs
    }

    @Test(arguments: shapes.indices)
    func productsMatchSumsInDouble(shape: Int) {
        _ = Self.run(Self.shapes[shape], seed: UInt64(31 + shape))
    }

    @Test func everyKernelThisCPURunsMatchesAndTheFusedOnesAgreeBitForBit() {
        let best = ptune_vector_kernel()
        defer { ptune_vector_use_kernel(best) }
        for (index, shape) in Self.shapes.enumerated() {
            var fused: Outputs?
            for kernel in 0...ptune_vector_best_kernel() {
                #expect(ptune_vector_use_kernel(kernel) == 1)
                let outputs = Self.run(shape, seed: UInt64(7 + index))
                guard kernel >= PTUNE_VECTOR_AVX2 else { continue }
                if let fused { #expect(outputs == fused, "kernel \(kernel), shape \(shape)") } else { fused = outputs }
            }
        }
    }
}
