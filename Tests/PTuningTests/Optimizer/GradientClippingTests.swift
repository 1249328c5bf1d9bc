import Foundation
@testable import PTuning
import Tensor
import TestSupport
import Testing

@Suite struct GradientClippingTests {
    /// Over several blocks and a partial last one, the norm is the float64 norm to within double's
    /// rounding, and clipping scales every value by the same factor.
    @Test func theNormIsDoublesAndClippingScalesEveryValue() {
        var rng = SeededGenerator(seed: 23)
        let gradient = rng.normalBuffer(count: 100_003, std: 0.01)
        let values = gradient.array
        let exact = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(gradientNorm(gradient) - exact) <= exact * 1e-13)
        let norm = clipGradientNorm(gradient, maxNorm: 1)
        let factor = 1 / (norm + 1e-6)
        #expect(factor < 1)
        #expect(gradient.array == values.map { $0 * factor })
    }
}
