import CVector
import Foundation
import Tensor
import TestSupport
import Testing

/// The elementwise C kernels (CVector): exp against the C library, and every kernel this CPU runs
/// (AVX-512, AVX2, portable) giving the same bits. One test switches the kernel on its own thread
/// only (`ptune_vector_use_kernel`), so other suites keep theirs.
@Suite(.serialized) struct VectorKernelsTests {
    @Test func expAgreesWithTheCLibraryAcrossTheRange() {
        let inputs = stride(from: Float(-87), to: 88, by: 0.0137).map { $0 }
        var outputs = [Float](repeating: 0, count: inputs.count)
        ptune_vector_exp(inputs, inputs.count, &outputs)
        let worst = zip(inputs, outputs).map { abs($1 - expf($0)) / expf($0) }.max() ?? 1
        #expect(worst < 5e-7, "worst relative error \(worst)")
    }

    @Test func expSaturatesInsteadOfOverflowing() {
        var outputs: [Float] = [0, 0]
        ptune_vector_exp([500, -500], 2, &outputs)
        #expect(outputs[0].isFinite && outputs[0] > 1e38)
        #expect(outputs[1] < 1e-37)
    }

    /// exp minus a shift, summed: whole groups of sixteen by the vector exp, the rest by expf.
    @Test func expSumIsTheSumOfItsOutputs() {
        let inputs = (0..<37).map { Float($0) * 0.25 - 3 }
        var outputs = [Float](repeating: 0, count: inputs.count)
        let sum = ptune_vector_exp_sum(inputs, inputs.count, 2, &outputs)
        for (x, e) in zip(inputs, outputs) { #expect(abs(e - expf(x - 2)) <= 5e-7 * expf(x - 2)) }
        #expect(Array(outputs[32...]) == inputs[32...].map { expf($0 - 2) })
        #expect(abs(sum - outputs.reduce(0, +)) <= 1e-6 * sum)
    }

    /// The kernels' names, slowest first, as PTUNE_VECTOR_KERNEL takes them.
    static let names = ["portable", "avx2", "avx512"]

    /// Gated forward and backward (both activations, a width off the sixteen-float groups), the exp
    /// sum, RMSNorm forward and backward, softmax forward (causal, windowed, whole rows) and backward,
    /// the row-block products of few rows, the heads' rotation, Adam's update (its gradient given as values
    /// and as a product) and sums of squares (of values and of a product), by every kernel this CPU runs: the
    /// same bits, zeros' signs included, for every result that is not NaN, on values that reach exp's
    /// clamps, infinities, subnormals and signed zeros.
    @Test func everyKernelThisCPURunsGivesTheSameBits() {
        let (rows, width) = (3, 37)
        var rng = SeededGenerator(seed: 21)
        let special: [Float] = [100, -100, .infinity, -.infinity, 1e-40, -1e-40, 0, -0.0, 90, -90]
        var gateUp = rng.normalBuffer(count: rows * 2 * width, std: 2).array
        for (i, value) in special.enumerated() { gateUp[7 * i % gateUp.count] = value }
        let dOut = rng.normalBuffer(count: rows * width, std: 1).array
        let adam = rng.normalBuffer(count: 124, std: 1).array
        let best = ptune_vector_kernel()
        defer { ptune_vector_use_kernel(best) }
        var results: [String: [Float]] = [:], squares: [String: UInt64] = [:], productSquares: [String: UInt64] = [:]
        for kernel in 0...ptune_vector_best_kernel() {
            #expect(ptune_vector_use_kernel(kernel) == 1 && ptune_vector_kernel() == kernel)
            var all: [Float] = []
            for activation in [Int32(PTUNE_GATE_SILU), Int32(PTUNE_GATE_GELU_TANH)] {
                var out = [Float](repeating: 0, count: rows * width)
                var dGateUp = [Float](repeating: 0, count: rows * 2 * width)
                ptune_gated_forward(activation, gateUp, rows, width, &out)
                ptune_gated_backward(activation, gateUp, dOut, rows, width, &dGateUp)
                all += out + dGateUp
            }
            var exps = [Float](repeating: 0, count: gateUp.count)
            all.append(ptune_vector_exp_sum(gateUp, gateUp.count, 1.5, &exps))
            let gain = Array(dOut[..<width])
            var normed = [Float](repeating: 0, count: rows * width), rstd = [Float](repeating: 0, count: rows)
            ptune_rms_norm_forward(dOut, gain, 1e-5, rows, width, &normed, &rstd)
            var dx = normed
            ptune_rms_norm_backward(dOut, gain, rstd, gateUp, rows, width, &dx, 1)
            all += normed + rstd + dx
            for (offset, window) in [(20, 9), (5, -1), (-1, -1)] {
                var p = Array(gateUp[..<(rows * width)]).map { $0.isFinite ? min(max($0, -80), 80) : 0 }
                ptune_softmax_rows(&p, rows, width, offset, window)
                var dp = dOut
                ptune_softmax_backward_rows(p, &dp, rows, width, offset)
                all += p + dp
            }
            // Nine rows of the few-row products: eight and one more with AVX-512, four, four and one elsewhere.
            let (productRows, weightRows, weightColumns) = (9, 5, 72)
            let values = (0..<weightRows * weightColumns).map { Int8(truncatingIfNeeded: $0 * 37 % 255 - 127) }
            let scales = (0..<weightRows * 3).map { Float($0 + 1) / 64 }
            let a = (0..<productRows * weightColumns).map { Float(($0 * 29) % 61 - 30) / 7 }
            var logits = [Float](repeating: .nan, count: productRows * weightRows)
            ptune_row_blocks_forward(values, scales, weightColumns, 0, weightRows, a, productRows, weightColumns, 0,
                                     &logits, weightRows)
            ptune_row_blocks_forward(values, scales, weightColumns, 1, 3, a, productRows, weightColumns, 0.5, &logits,
                                     weightRows)
            var back = [Float](repeating: .nan, count: productRows * weightColumns)
            ptune_row_blocks_backward(values, scales, weightRows, weightColumns, logits, productRows, weightRows, 0, 72,
                                      0, &back, weightColumns)
            ptune_row_blocks_backward(values, scales, weightRows, weightColumns, logits, productRows, weightRows, 16, 56,
                                      0.5, &back, weightColumns)
            all += logits + back
            for adjacentPairs in [Int32(1), 0] {
                var heads = Array(dOut[..<(2 * 40)])
                let angles = (0..<20).map { Float($0) * 0.37 }
                ptune_rotate_heads(&heads, 2, 40, angles.map { cosf($0) }, angles.map { sinf($0) }, -1, adjacentPairs)
                all += heads
            }
            // Adam's update (31 values: one group of sixteen and fifteen one by one) and a sum of squares.
            var (p, m, v) = (Array(adam[..<31]), Array(adam[31..<62]), adam[62..<93].map { $0 * $0 })
            var constants = ptune_adam_constants(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, gradient_scale: 0.5, l2: 0.01,
                                                 decayed: 0.999, step_size: 1e-3, correction2: 0.1)
            ptune_adam_update(&p, Array(adam[93..<124]), &m, &v, 31, &constants)
            all += p + m + v
            // The same with the gradient as a product: rows 1..<3, then row 3, of a [4, 31] matrix, depth 3
            // (a [3, 4], b [3, 31]).
            var (pp, mp, vp) = (Array(adam[..<124]), Array(adam.reversed()), adam.map { $0 * $0 })
            for rows in [1..<3, 3..<4] {
                ptune_adam_update_product(&pp, &mp, &vp, Array(dOut[..<12]), Array(dOut[12..<105]), 3, 4, 31,
                                          rows.lowerBound, rows.upperBound, &constants)
            }
            all += pp + mp + vp
            squares[Self.names[Int(kernel)]] = ptune_sum_squares(dOut, dOut.count).bitPattern
            productSquares[Self.names[Int(kernel)]] =
                ptune_sum_squares_of_product(Array(dOut[..<12]), Array(dOut[12..<105]), 3, 4, 31).bitPattern
            results[Self.names[Int(kernel)]] = all + exps
        }
        #expect(Set(squares.values).count == 1, "sums of squares \(squares)")
        #expect(Set(productSquares.values).count == 1, "sums of squares of a product \(productSquares)")
        print("vector kernels run on this CPU: \(results.keys.sorted().joined(separator: ", "))")
        func bits(_ values: [Float]) -> [UInt32] { values.map { $0.isNaN ? .max : $0.bitPattern } }
        let reference = bits(results["portable"] ?? [])
        #expect(reference.count > 100 && reference.contains { $0 != .max })
        for (kernel, values) in results { #expect(bits(values) == reference, "\(kernel) differs from portable") }
        #expect(ptune_vector_use_kernel(3) == 0)
    }
}
