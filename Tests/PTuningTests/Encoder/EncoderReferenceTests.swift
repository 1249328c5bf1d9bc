import Foundation
import PTuning
import Tensor
import Testing

/// Forward and backward against PyTorch's nn.Embedding + nn.LSTM + nn.Sequential(Linear, ReLU, Linear)
/// with the same weights.
struct EncoderReferenceTests {
    /// Loads `name`, builds the matching encoder, and returns the worst output and gradient differences.
    private func compare(_ name: String, settings: EncoderSettings) throws -> (output: Float, gradient: Float) {
        let fixture = try EncoderFixture.load(name)
        let encoder = makePromptEncoder(settings: settings, count: fixture.count, width: fixture.width,
                                        seed: 1, initialRows: nil)
        fixture.copyParameters(into: encoder)
        let table = encoder.forward()
        encoder.backward(FloatBuffer(fixture.r))
        let gradient = encoder.gradient.array
        var worstGradient: Float = 0
        for entry in encoder.parameterLayout {
            let n = entry.shape.reduce(1, *)
            let ours = Array(gradient[entry.offset..<entry.offset + n])
            let expected = try #require(fixture.gradients[entry.name])
            let difference = maxScaledDifference(ours, expected)
            #expect(difference < 1e-5, "\(entry.name)")
            worstGradient = max(worstGradient, difference)
        }
        return (maxScaledDifference(table.array, fixture.output), worstGradient)
    }

    @Test func lstmEncoderMatchesPyTorch() throws {
        let worst = try compare("lstm", settings: EncoderSettings(kind: .lstm))
        #expect(worst.output < 1e-5)
        #expect(worst.gradient < 1e-5)
    }

    @Test func mlpEncoderMatchesPyTorch() throws {
        let worst = try compare("mlp", settings: EncoderSettings(kind: .mlp, hiddenSize: 6))
        #expect(worst.output < 1e-5)
        #expect(worst.gradient < 1e-5)
    }
}
