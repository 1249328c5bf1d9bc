import Foundation
import LM
import Tensor
import TestSupport
import Testing

/// The real SmolLM2-135M against values computed with PyTorch/transformers (../shared/reference).
@Suite(.enabled(if: TestEnvironment.smolLM2 != nil && TestEnvironment.smolLM2Reference != nil,
                "needs the cached SmolLM2 model (make model) and ../shared/reference"))
struct ReferenceParityTests {
    static let model: LanguageModel? = TestEnvironment.smolLM2.flatMap { try? LanguageModel.load(path: $0) }
    nonisolated(unsafe) static let reference = TestEnvironment.smolLM2Reference ?? [:]
    static var tolerances: [String: Double] { reference["tolerances"] as? [String: Double] ?? [:] }

    static var forwardCases: [[String: Any]] { reference["forward"] as? [[String: Any]] ?? [] }

    @Test func forwardMatchesReference() throws {
        let model = try #require(Self.model)
        let tolerance = Float(try #require(Self.tolerances["logit_abs"]))
        #expect(!Self.forwardCases.isEmpty)
        for c in Self.forwardCases {
            let ids = try #require(c["ids"] as? [Int])
            let text = c["text"] as? String ?? ""
            let V = model.transformer.config.vocabSize
            let pass = model.transformer.forward(DecoderBatch(tokens: [ids]),
                                             logitsAt: ids.indices.map { LogitPosition(sequence: 0, position: $0) },
                                             saveForBackward: false)
            let last = LogitRow(pass.logits.array.suffix(V))
            let top = last.top(10)
            #expect(top.map(\.id) == c["last_top10_ids"] as? [Int], "top-10 ids for \(text)")
            for (entry, expected) in zip(top, c["last_top10_logits"] as? [Double] ?? []) {
                #expect(abs(entry.logit - Float(expected)) < tolerance, "logit of \(entry.id) for \(text)")
            }
            let lse = try #require(c["last_logsumexp"] as? Double)
            #expect(abs(last.logSumExp - Float(lse)) < tolerance, "logsumexp for \(text)")
            let argmax = ids.indices.map { p in LogitRow(Array(pass.logits.array[p * V..<(p + 1) * V])).top(1)[0].id }
            #expect(argmax == c["all_positions_argmax"] as? [Int], "argmax at every position for \(text)")
            for (i, expected) in (c["first_position_logits_0_8"] as? [Double] ?? []).enumerated() {
                #expect(abs(pass.logits[i] - Float(expected)) < tolerance, "first-position logit \(i) for \(text)")
            }
        }
    }

    /// [h0 h1 h2] + embed(x) + [h3 h4 h5]; loss = cross-entropy over the label words' logits at the
    /// last position; gradient with respect to the six inserted vectors.
    @Test func promptGradientMatchesReference() throws {
        let model = try #require(Self.model)
        let c = try #require(Self.reference["prompt_gradient"] as? [String: Any])
        let x = try #require(c["x_ids"] as? [Int])
        let labels = try #require(c["label_ids"] as? [Int])
        let target = try #require(c["target"] as? Int)
        let h = try #require(c["h"] as? [[Double]])
        let expectedGradient = try #require(c["grad_h"] as? [[Double]]).flatMap { $0 }
        let expectedLoss = try #require(c["loss"] as? Double)
        let (H, V) = (model.transformer.config.hiddenSize, model.transformer.config.vocabSize)

        let table = FloatBuffer(h.flatMap { $0.map(Float.init) })
        let sequence: [DecoderInput] = [.embedding(0), .embedding(1), .embedding(2)] + x.map(DecoderInput.token)
            + [.embedding(3), .embedding(4), .embedding(5)]
        let batch = DecoderBatch(sequences: [sequence], embeddings: table)
        let pass = model.transformer.forward(batch, logitsAt: [LogitPosition(sequence: 0, position: sequence.count - 1)],
                                         saveForBackward: true)
        let restricted = FloatBuffer(labels.map { pass.logits[$0] })
        let ce = CrossEntropy.gradient(logits: restricted, targets: [target], width: labels.count)
        let dLogits = FloatBuffer(count: V)
        for (i, id) in labels.enumerated() { dLogits[id] += ce.gradient[i] }
        let dInput = model.transformer.backward(pass, logitGradient: dLogits)
        let dTable = FloatBuffer(count: table.count)
        batch.accumulateEmbeddingGradient(dInput, width: H, into: dTable)

        let lossError = abs(ce.loss - expectedLoss) / abs(expectedLoss)
        #expect(lossError < Self.tolerances["loss_rel"] ?? 0, "loss \(ce.loss) vs \(expectedLoss)")
        var diff = 0.0, norm = 0.0
        for (i, e) in expectedGradient.enumerated() {
            diff += (Double(dTable[i]) - e) * (Double(dTable[i]) - e)
            norm += e * e
        }
        let gradientError = (diff / norm).squareRoot()
        #expect(gradientError < Self.tolerances["grad_rel_l2"] ?? 0, "gradient relative L2 error \(gradientError)")
    }
}
