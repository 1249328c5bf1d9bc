import Foundation
import PTuning
import Tensor
import TestSupport
import Testing

@Suite struct GradientClippingTests {
    /// Over a tensor of values and a partial last group of sixteen, the norm is the float64 norm to
    /// within double's rounding, and the clipping factor is PyTorch's.
    @Test func theNormIsDoublesAndTheFactorPyTorchs() {
        var rng = SeededGenerator(seed: 23)
        let values = rng.normalBuffer(count: 100_003, std: 0.01)
        let exact = values.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let gradient = EncoderGradient.dense(values)
        #expect(abs(gradient.norm - exact) <= exact * 1e-13)
        let (norm, factor) = clipFactor(gradient, maxNorm: 1)
        #expect(norm == Float(gradient.norm))
        #expect(factor == 1 / (norm + 1e-6) && factor < 1)
    }
}
