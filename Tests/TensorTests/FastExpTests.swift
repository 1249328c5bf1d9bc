import Foundation
import Tensor
import Testing

struct FastExpTests {
    @Test func agreesWithTheCLibraryAcrossTheRange() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            var v = SIMD16<Float>()
            for i in 0..<16 { v[i] = x + Float(i) * 0.0137 }
            let fast = FastExp.exp(v)
            for i in 0..<16 {
                let exact = expf(v[i])
                worst = max(worst, abs(fast[i] - exact) / exact)
            }
            x += 0.219
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
    }

    @Test func saturatesInsteadOfOverflowing() {
        let v = FastExp.exp(SIMD16(repeating: 500))
        #expect(v[0].isFinite && v[0] > 1e38)
        #expect(FastExp.exp(SIMD16(repeating: -500))[0] < 1e-37)
    }
}
