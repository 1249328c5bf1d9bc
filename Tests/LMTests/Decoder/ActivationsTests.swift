@testable import LM
import Tensor
import TestSupport
import Testing

/// What a forward pass keeps of attention's probabilities: every layer's for short segments when it
/// keeps everything, nothing for long ones, when recomputing or when keeping nothing. (That backward
/// gives the same bits with them kept or computed again: `DecoderGradientTests`, recomputed
/// activations.)
struct ActivationsTests {
    @Test func probabilitiesAreKeptForShortSegmentsOnly() {
        let c = TinyModel.variants[0]
        let decoder = TinyModel.decoder(c)
        let short = DecoderBatch(tokens: [[1, 2, 3, 4], [1, 2, 5], [6, 7, 8, 9, 10]])
        let long = DecoderBatch(tokens: [(0..<60).map { $0 % c.vocabSize }])
        let last = [LogitPosition(sequence: 0, position: 2)]
        func kept(_ batch: DecoderBatch, saving: Bool = true) -> [Bool] {
            let pass = decoder.forward(batch, logitsAt: last, saveForBackward: saving)
            return (0..<c.layerCount).map { pass.activations.probabilities(layer: $0) != nil }
        }
        #expect(kept(short) == [true, true])
        // 4 heads × 60 × 60 probabilities a layer, more than a quarter of the 60 rows' 96 kept values.
        #expect(kept(long) == [false, false])
        #expect(kept(short, saving: false) == [false, false])
        decoder.recomputesActivations = true
        #expect(kept(short) == [false, false])
    }
}
