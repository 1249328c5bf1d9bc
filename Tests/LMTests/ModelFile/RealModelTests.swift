import Foundation
@testable import LM
import TestSupport
import Testing

/// Loads the real SmolLM2-135M GGUF when it is present (`$PTUNE_MODELS`, default ~/.cache/ptune/models).
@Suite struct RealModelTests {
    static let path = TestEnvironment.smolLM2 ?? ""

    @Test(.enabled(if: TestEnvironment.smolLM2 != nil,
                   "SmolLM2-135M-Instruct.Q4_1.gguf not found in $PTUNE_MODELS or ~/.cache/ptune/models"))
    func smolLM2() throws {
        let start = Date()
        let model = try ModelLoader.load(path: Self.path)
        let seconds = Date().timeIntervalSince(start)
        let hashStart = Date()
        _ = try GGUFFile(path: Self.path).sha256()
        let hashSeconds = Date().timeIntervalSince(hashStart)
        print(String(format: "SmolLM2-135M-Instruct.Q4_1.gguf loaded in %.3f s (SHA-256 of the file alone: %.3f s)",
                     seconds, hashSeconds))
        #expect(model.config == DecoderConfig(architecture: .llama, vocabSize: 49152, hiddenSize: 576, layerCount: 30,
                                              headCount: 9, kvHeadCount: 3, headDim: 64, ffnSize: 1536,
                                              rmsNormEps: 9.999999747378752e-06, ropeTheta: 100000,
                                              rotaryLayout: .adjacentPairs, attentionBias: false, tiedOutput: true,
                                              contextLength: 8192))
        #expect(model.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        #expect(model.weights.outputHead === model.weights.tokenEmbedding)
        #expect(model.weights.layers.count == 30)
        let vocabulary = try #require(model.vocabulary)
        #expect(vocabulary.tokens.count == 49152 && vocabulary.bosID == 1 && vocabulary.eosID == 2)
        #expect(vocabulary.preTokenizer == "smollm" && !vocabulary.addBOS)
        let embedding = model.weights.tokenEmbedding
        #expect((0..<embedding.count).allSatisfy { embedding.pointer[$0].isFinite })
    }
}
