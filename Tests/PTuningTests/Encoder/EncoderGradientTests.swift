@testable import PTuning
import Tensor
import TestSupport
import Testing

/// A gradient whose matrices are kept as factors: its norm and the optimizer's update against the same
/// gradient formed value by value.
struct EncoderGradientTests {
    /// A layout of a bias [5] and a matrix [37, 2100] (rows for two threads and off the update's groups of
    /// four, columns past its chunk of 2048 and off the groups of sixteen) whose gradient is the product
    /// of `depth` rows.
    private func factoredGradient(depth: Int, seed: UInt64) -> EncoderGradient {
        let layout: [ParameterTensor] = [("bias", [5], 0), ("weight", [37, 2100], 5)]
        let gradient = EncoderGradient(layout: layout, productDepths: [5: 6])
        var rng = SeededGenerator(seed: seed)
        let bias = rng.normalBuffer(count: 5, std: 1)
        gradient.values(at: 0).update(from: bias.pointer, count: 5)
        let dy = rng.normalBuffer(count: depth * 37, std: 1), x = rng.normalBuffer(count: depth * 2100, std: 1)
        gradient.factors(at: 5).add(count: depth, dy: dy.pointer, dyStride: 37, x: x.pointer, xStride: 2100)
        return gradient
    }

    @Test(arguments: [0, 1, 6])
    func theNormOfFactorsIsTheNormOfTheirProduct(depth: Int) {
        let gradient = factoredGradient(depth: depth, seed: 7)
        let f = gradient.factors(at: 5)
        var exact = (0..<5).reduce(0.0) { $0 + Double(gradient.values(at: 0)[$1]) * Double(gradient.values(at: 0)[$1]) }
        for r in 0..<37 {
            for c in 0..<2100 {
                let value = (0..<depth).reduce(0.0) { $0 + Double(f.a[$1 * 37 + r]) * Double(f.b[$1 * 2100 + c]) }
                exact += value * value
            }
        }
        #expect(abs(gradient.norm - exact.squareRoot()) <= exact.squareRoot() * 1e-12)
    }

    /// Three steps with the matrix's gradient as factors give the bits of the same steps with its values,
    /// formed one element at a time in the kernel's order.
    @Test(arguments: OptimizerKind.allCases)
    func anUpdateFromFactorsIsTheUpdateFromTheirValues(kind: OptimizerKind) {
        let count = 5 + 37 * 2100
        var rng = SeededGenerator(seed: 12)
        let start = rng.normalBuffer(count: count, std: 1).array
        let (fromFactors, fromValues) = (FloatBuffer(start), FloatBuffer(start))
        let optimizers = (0..<2).map { _ in AdamOptimizer(kind: kind, parameterCount: count, weightDecay: 0.01) }
        for step in 0..<3 {
            let factored = factoredGradient(depth: step * 3, seed: UInt64(20 + step))
            let scale = clipFactor(factored, maxNorm: 5).factor
            optimizers[0].step(parameters: fromFactors, gradient: factored, learningRate: 1e-2, gradientScale: scale)
            optimizers[1].step(parameters: fromValues, gradient: .dense(FloatBuffer(factored.array)), learningRate: 1e-2,
                               gradientScale: scale)
        }
        #expect(fromFactors.array.map(\.bitPattern) == fromValues.array.map(\.bitPattern))
        #expect(optimizers[0].state == optimizers[1].state)
    }

    /// A NaN in a factor, or infinities that meet, make the norm NaN, so that clipping does not hide them.
    @Test(arguments: [Float.nan, .infinity])
    func aFactorThatIsNotFiniteGivesANormThatIsNot(value: Float) {
        let gradient = factoredGradient(depth: 2, seed: 4)
        let f = gradient.factors(at: 5)
        f.a[0] = value
        f.a[37] = -value
        #expect(!gradient.norm.isFinite)
    }

    @Test func zeroClearsValuesAndFactors() {
        let gradient = factoredGradient(depth: 4, seed: 3)
        #expect(gradient.norm > 0)
        gradient.zero()
        #expect(gradient.norm == 0 && gradient.factors(at: 5).depth == 0)
        #expect(gradient.array.allSatisfy { $0 == 0 })
    }
}
