import Foundation
import Tensor
import TestSupport
import Testing

/// Finite-difference checks of each kernel's backward pass: loss = sum(r * forward(x)) for a fixed
/// random r, so the analytic gradient is backward(r).
struct KernelGradientTests {
    /// Widths under, off and on the kernels' sixteen-float groups.
    @Test(arguments: [8, 37, 64])
    func rmsNormBackwardMatchesFiniteDifferences(width: Int) {
        var rng = SeededGenerator(seed: 1)
        let rows = 3
        let x = rng.normalBuffer(count: rows * width, std: 1)
        let gain = rng.normalBuffer(count: width, std: 1)
        let r = rng.normalBuffer(count: rows * width, std: 1)
        let y = FloatBuffer(count: rows * width), rstd = FloatBuffer(count: rows)
        func loss() -> Double {
            RMSNorm.forward(x: x.pointer, gain: gain.pointer, eps: 1e-5, rows: rows, width: width,
                            y: y.pointer, rstd: rstd.pointer)
            return GradientCheck.dot(y.pointer, r.pointer, rows * width)
        }
        _ = loss()
        let dx = FloatBuffer(count: rows * width)
        RMSNorm.backward(x: x.pointer, gain: gain.pointer, rstd: rstd.pointer, dy: r.pointer, rows: rows,
                         width: width, dx: dx.pointer, accumulate: false)
        #expect(GradientCheck.relativeError(input: x, analytic: dx.array, loss: loss) < 1e-2)
    }

    /// y = x / sqrt(mean(x²) + eps) * gain and its rstd, in Double, on rows off the sixteen-float groups.
    @Test func rmsNormMatchesItsFormula() {
        var rng = SeededGenerator(seed: 6)
        let (rows, width, eps) = (3, 37, Float(1e-5))
        let x = rng.normalBuffer(count: rows * width, std: 3), gain = rng.normalBuffer(count: width, std: 1)
        let y = FloatBuffer(count: rows * width), rstd = FloatBuffer(count: rows)
        RMSNorm.forward(x: x.pointer, gain: gain.pointer, eps: eps, rows: rows, width: width, y: y.pointer,
                        rstd: rstd.pointer)
        for r in 0..<rows {
            let row = (0..<width).map { Double(x[r * width + $0]) }
            let s = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(width) + Double(eps)).squareRoot()
            #expect(abs(Double(rstd[r]) - s) <= 1e-6 * s)
            for i in 0..<width {
                let expected = row[i] * s * Double(gain[i])
                #expect(abs(Double(y[r * width + i]) - expected) <= 1e-5 * max(1, abs(expected)))
            }
        }
    }

    @Test func rmsNormBackwardAccumulates() {
        var rng = SeededGenerator(seed: 2)
        let x = rng.normalBuffer(count: 8, std: 1), gain = rng.normalBuffer(count: 8, std: 1)
        let dy = rng.normalBuffer(count: 8, std: 1)
        let y = FloatBuffer(count: 8), rstd = FloatBuffer(count: 1)
        RMSNorm.forward(x: x.pointer, gain: gain.pointer, eps: 1e-5, rows: 1, width: 8, y: y.pointer, rstd: rstd.pointer)
        let fresh = FloatBuffer(count: 8), summed = FloatBuffer(Array(repeating: 1, count: 8))
        RMSNorm.backward(x: x.pointer, gain: gain.pointer, rstd: rstd.pointer, dy: dy.pointer, rows: 1, width: 8,
                         dx: fresh.pointer, accumulate: false)
        RMSNorm.backward(x: x.pointer, gain: gain.pointer, rstd: rstd.pointer, dy: dy.pointer, rows: 1, width: 8,
                         dx: summed.pointer, accumulate: true)
        for i in 0..<8 { #expect(abs(summed[i] - fresh[i] - 1) < 1e-6) }
    }

    @Test(arguments: [GatedActivation.silu, .geluTanh])
    func gatedActivationBackwardMatchesFiniteDifferences(_ activation: GatedActivation) {
        var rng = SeededGenerator(seed: 3)
        let (rows, width) = (2, 21)
        let gateUp = rng.normalBuffer(count: rows * 2 * width, std: 1.5)
        let r = rng.normalBuffer(count: rows * width, std: 1)
        let out = FloatBuffer(count: rows * width)
        func loss() -> Double {
            activation.forward(gateUp: gateUp.pointer, rows: rows, width: width, out: out.pointer)
            return GradientCheck.dot(out.pointer, r.pointer, rows * width)
        }
        let d = FloatBuffer(count: rows * 2 * width)
        activation.backward(gateUp: gateUp.pointer, dOut: r.pointer, rows: rows, width: width, dGateUp: d.pointer)
        #expect(GradientCheck.relativeError(input: gateUp, analytic: d.array, loss: loss) < 1e-2)
    }

    /// The textbook formulas, in Double: silu(g) = g / (1 + e^-g), gelu_tanh(g) = g/2 (1 + tanh(√(2/π)(g + 0.044715 g³))).
    @Test(arguments: [GatedActivation.silu, .geluTanh])
    func gatedActivationMatchesItsFormula(_ activation: GatedActivation) {
        var rng = SeededGenerator(seed: 5)
        let (rows, width) = (3, 37)
        let gateUp = rng.normalBuffer(count: rows * 2 * width, std: 3)
        let out = FloatBuffer(count: rows * width)
        activation.forward(gateUp: gateUp.pointer, rows: rows, width: width, out: out.pointer)
        for r in 0..<rows {
            for i in 0..<width {
                let g = Double(gateUp[r * 2 * width + i]), u = Double(gateUp[r * 2 * width + width + i])
                let act = activation == .silu ? g / (1 + exp(-g))
                    : g / 2 * (1 + tanh((2 / Double.pi).squareRoot() * (g + 0.044715 * g * g * g)))
                #expect(abs(Double(out[r * width + i]) - act * u) <= 1e-5 * max(1, abs(act * u)))
            }
        }
    }

    /// (rows, width, causal offset, window): short rows, rows long enough for the 16-lane loops with and
    /// without a causal limit, and a sliding window.
    @Test(arguments: [(4, 4, 0, nil), (3, 37, 20, nil), (3, 37, nil, nil), (3, 37, 20, 18)] as [(Int, Int, Int?, Int?)])
    func softmaxBackwardMatchesFiniteDifferences(rows: Int, width: Int, causalOffset: Int?, window: Int?) {
        var rng = SeededGenerator(seed: 4)
        let x = rng.normalBuffer(count: rows * width, std: 2)
        let r = rng.normalBuffer(count: rows * width, std: 1)
        let p = FloatBuffer(count: rows * width)
        func loss() -> Double {
            p.pointer.update(from: x.pointer, count: rows * width)
            Softmax.forward(p.pointer, rows: rows, width: width, causalOffset: causalOffset, window: window)
            return GradientCheck.dot(p.pointer, r.pointer, rows * width)
        }
        _ = loss()
        let d = FloatBuffer(r.array)
        Softmax.backward(p: p.pointer, dp: d.pointer, rows: rows, width: width, causalOffset: causalOffset)
        #expect(GradientCheck.relativeError(input: x, analytic: d.array, loss: loss) < 1e-2)
    }

    /// exp(x - max) / sum in Double, on rows whose values are all far below zero (the kernel's zero
    /// padding of a last short group must not count as their maximum) and long enough for whole groups.
    @Test(arguments: [(-100 as Float), 0, 40])
    func softmaxMatchesItsFormula(center: Float) {
        var rng = SeededGenerator(seed: 7)
        let (rows, width, offset) = (4, 37, 30)
        let x = FloatBuffer(rng.normalBuffer(count: rows * width, std: 2).array.map { $0 + center })
        let p = FloatBuffer(x.array)
        Softmax.forward(p.pointer, rows: rows, width: width, causalOffset: offset)
        for r in 0..<rows {
            let seen = min(width, r + offset + 1)
            let row = (0..<seen).map { Double(x[r * width + $0]) }
            let largest = row.max()!
            let total = row.map { exp($0 - largest) }.reduce(0, +)
            for i in 0..<width {
                let expected = i < seen ? exp(row[i] - largest) / total : 0
                #expect(abs(Double(p[r * width + i]) - expected) <= 1e-6 * max(expected, 1e-3))
            }
        }
    }

    @Test func causalSoftmaxZeroesTheFuture() {
        let x = FloatBuffer([1, 2, 3, 4, 5, 6, 7, 8, 9])
        Softmax.forward(x.pointer, rows: 3, width: 3, causalOffset: 0)
        #expect(x[0] == 1 && x[1] == 0 && x[2] == 0)
        #expect(abs(x[3] + x[4] - 1) < 1e-6 && x[5] == 0)
        #expect(abs(x[6] + x[7] + x[8] - 1) < 1e-6)
    }

    @Test func aWindowZeroesAllButTheLastColumnsEachRowSees() {
        let x = FloatBuffer((0..<12).map { Float($0) })
        Softmax.forward(x.pointer, rows: 3, width: 4, causalOffset: 1, window: 2)
        #expect(abs(x[0] + x[1] - 1) < 1e-6 && x[2] == 0 && x[3] == 0)
        #expect(x[4] == 0 && abs(x[5] + x[6] - 1) < 1e-6 && x[7] == 0)
        #expect(x[8] == 0 && x[9] == 0 && abs(x[10] + x[11] - 1) < 1e-6 && x[11] > x[10])
    }

    @Test func vectorKernelsMatchScalarLoops() {
        var rng = SeededGenerator(seed: 5)
        for n in [0, 1, 15, 16, 17, 33, 64, 100] {
            let a = rng.normalBuffer(count: n, std: 1), b = rng.normalBuffer(count: n, std: 1)
            let y = FloatBuffer(b.array)
            Vector.axpy(0.5, a.pointer, y.pointer, n)
            for i in 0..<n { #expect(abs(y[i] - (b[i] + 0.5 * a[i])) < 1e-6) }
        }
    }

    @Test func gemmMatchesNaiveProduct() {
        var rng = SeededGenerator(seed: 6)
        let (m, n, k) = (5, 7, 3)
        let a = rng.normalBuffer(count: m * k, std: 1)
        let bT = rng.normalBuffer(count: n * k, std: 1)
        let c = FloatBuffer(count: m * n)
        gemm(.none, .transposed, m: m, n: n, k: k, a: a.pointer, b: bT.pointer, c: c.pointer)
        for i in 0..<m {
            for j in 0..<n {
                let expected = GradientCheck.dot(a.pointer + i * k, bT.pointer + j * k, k)
                #expect(abs(Double(c[i * n + j]) - expected) < 1e-5)
            }
        }
    }
}

struct CrossEntropyTests {
    @Test func gradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 8)
        let logits = rng.normalBuffer(count: 3 * 5, std: 2)
        let targets = [4, 0, 2]
        let analytic = CrossEntropy.gradient(logits: logits, targets: targets, width: 5).gradient.array
        let error = GradientCheck.relativeError(input: logits, analytic: analytic, step: 1e-2) {
            CrossEntropy.gradient(logits: logits, targets: targets, width: 5).loss
        }
        #expect(error < 1e-2)
    }

    @Test func lossOfAUniformRowIsLogWidth() {
        let result = CrossEntropy.gradient(logits: FloatBuffer(count: 8), targets: [3], width: 8)
        #expect(abs(result.loss - log(8.0)) < 1e-6)
    }
}
