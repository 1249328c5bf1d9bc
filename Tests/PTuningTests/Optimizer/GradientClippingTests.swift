import Foundation
@testable import PTuning
import Tensor
import TestSupport
import Testing

@Suite struct GradientClippingTests {
    /// Over several blocks and a partial last one, the norm is the float64 norm to within double's
    /// rounding, and the clipping factor is PyTorch's.
    @Test func theNormIsDoublesAndTheFactorPyTorchs() {
        var rng = SeededGenerator(seed: 23)
        let gradient = rng.normalBuffer(count: 100_003, std: 0.01)
        let exact = gradient.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(gradientNorm(gradient) - exact) <= exact * 1e-13)
        let (norm, factor) = clipFactor(gradient, maxNorm: 1)
        #expect(norm == Float(gradientNorm(gradient)))
        #expect(factor == 1 / (norm + 1e-6) && factor < 1)
    }
}
