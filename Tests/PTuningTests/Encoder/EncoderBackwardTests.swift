import PTuning
import Tensor
import TestSupport
import Testing

/// Finite-difference checks of every encoder's backward: loss = sum(r ⊙ forward()) for a fixed random
/// r, so the analytic gradient is backward(r), compared over the whole flat parameter buffer.
struct EncoderBackwardTests {
    private func relativeError(_ settings: EncoderSettings, count m: Int, width H: Int,
                               sample: Int? = nil, step: Float = 1e-2) -> Double {
        let encoder = makePromptEncoder(settings: settings, count: m, width: H, seed: 11, initialRows: nil)
        var rng = SeededGenerator(seed: 5)
        let r = rng.normalBuffer(count: m * H, std: 1)
        func loss() -> Double {
            let table = encoder.forward()
            return withExtendedLifetime(table) { GradientCheck.dot(table.pointer, r.pointer, m * H) }
        }
        _ = encoder.forward()
        encoder.backward(r)
        return GradientCheck.relativeError(input: encoder.parameters, analytic: encoder.gradient.array,
                                           step: step, sample: sample, loss: loss)
    }

    @Test func tableGradient() {
        #expect(relativeError(EncoderSettings(kind: .none), count: 5, width: 8) < 1e-2)
    }

    /// A smaller step keeps the differences from straddling ReLU kinks.
    @Test func mlpGradient() {
        #expect(relativeError(EncoderSettings(kind: .mlp), count: 5, width: 8, step: 1e-3) < 1e-2)
        #expect(relativeError(EncoderSettings(kind: .mlp, hiddenSize: 5), count: 5, width: 8, step: 1e-3) < 1e-2)
    }

    @Test(arguments: [5, 3, 1])
    func lstmGradient(count m: Int) {
        #expect(relativeError(EncoderSettings(kind: .lstm), count: m, width: 8, sample: 300) < 1e-2)
    }

    @Test func lstmGradientWithOwnHiddenSize() {
        #expect(relativeError(EncoderSettings(kind: .lstm, hiddenSize: 6), count: 4, width: 8, sample: 300) < 1e-2)
    }

    @Test(arguments: EncoderKind.allCases)
    func backwardSetsTheGradient(kind: EncoderKind) {
        let encoder = makePromptEncoder(settings: EncoderSettings(kind: kind), count: 3, width: 8, seed: 2,
                                        initialRows: nil)
        var rng = SeededGenerator(seed: 3)
        let r = rng.normalBuffer(count: 24, std: 1)
        _ = encoder.forward()
        encoder.backward(r)
        let once = encoder.gradient.array
        #expect(once.contains { $0 != 0 })
        encoder.backward(r)
        #expect(encoder.gradient.array == once)
    }
}
