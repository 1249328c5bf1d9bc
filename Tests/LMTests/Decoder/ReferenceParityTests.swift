import Foundation
import LM
import Tensor
import TestSupport
import Testing

/// The real SmolLM2-135M against values computed with PyTorch/transformers (../shared/reference).
/// Serialized: a decoder keeps its activations between passes, so one model runs one pass at a time.
@Suite(.serialized, .enabled(if: TestEnvironment.smolLM2 != nil && TestEnvironment.smolLM2Reference != nil,
                             "needs the cached SmolLM2 model (make model) and ../shared/reference"))
struct ReferenceParityTests {
    static let model: LanguageModel? = TestEnvironment.smolLM2.flatMap { try? LanguageModel.load(path: $0) }

    @Test func forwardMatchesReference() throws {
        try ReferenceParity.checkForward(try #require(Self.model), TestEnvironment.smolLM2Reference ?? [:])
    }

    @Test func promptGradientMatchesReference() throws {
        try ReferenceParity.checkPromptGradient(try #require(Self.model), TestEnvironment.smolLM2Reference ?? [:])
    }
}

/// The real Gemma 3 270M against values computed with PyTorch/transformers from the same GGUF file
/// (`scripts/make-model-reference.py`; the committed Fixtures/gemma3-270m-reference.json), including a
/// prompt longer than its 512-position sliding window.
@Suite(.serialized, .enabled(if: TestEnvironment.gemma3 != nil, "needs the cached Gemma 3 model (scripts/fetch-gemma3.sh)"))
struct Gemma3ReferenceParityTests {
    static let model: LanguageModel? = TestEnvironment.gemma3.flatMap { try? LanguageModel.load(path: $0) }
    nonisolated(unsafe) static let reference: [String: Any] = {
        let file = TestEnvironment.packageRoot.appendingPathComponent("Tests/LMTests/Decoder/Fixtures/gemma3-270m-reference.json")
        guard let data = try? Data(contentsOf: file) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }()

    @Test func theReferenceIsOfThisModelFile() throws {
        let model = try #require(Self.model)
        let file = try #require(Self.reference["model"] as? [String: Any])
        #expect(file["sha256"] as? String == model.sha256)
        let longest = (Self.reference["forward"] as? [[String: Any]] ?? []).map { ($0["ids"] as? [Int] ?? []).count }.max()
        #expect(longest ?? 0 > model.transformer.config.slidingWindow ?? .max)
    }

    @Test func forwardMatchesReference() throws {
        try ReferenceParity.checkForward(try #require(Self.model), Self.reference)
    }

    @Test func promptGradientMatchesReference() throws {
        try ReferenceParity.checkPromptGradient(try #require(Self.model), Self.reference)
    }
}

/// The checks every reference file supports (its layout: ../shared/reference/smollm2-135m-q4_1.json).
enum ReferenceParity {
    static func tolerances(_ reference: [String: Any]) -> [String: Double] {
        reference["tolerances"] as? [String: Double] ?? [:]
    }

    /// Each prompt's top-10 ids and logits and log-sum-exp at the last position, the argmax at every
    /// position and the first logits at position 0.
    static func checkForward(_ model: LanguageModel, _ reference: [String: Any]) throws {
        let tolerance = Float(try #require(tolerances(reference)["logit_abs"]))
        let cases = reference["forward"] as? [[String: Any]] ?? []
        #expect(!cases.isEmpty)
        for c in cases {
            let ids = try #require(c["ids"] as? [Int])
            let text = String((c["text"] as? String ?? "").prefix(40))
            let V = model.transformer.config.vocabSize
            // A long prompt's logits are read at its last positions only (each row is V floats).
            let positions = ids.count > 64 ? Array(ids.indices.suffix(16)) : Array(ids.indices)
            let pass = model.transformer.forward(DecoderBatch(tokens: [ids]),
                                                 logitsAt: positions.map { LogitPosition(sequence: 0, position: $0) },
                                                 saveForBackward: false)
            let logits = pass.logits.array
            let last = LogitRow(Array(logits.suffix(V)))
            let top = last.top(10)
            #expect(top.map(\.id) == c["last_top10_ids"] as? [Int], "top-10 ids for \(text)")
            var largest: Float = 0
            for (entry, expected) in zip(top, c["last_top10_logits"] as? [Double] ?? []) {
                largest = max(largest, abs(entry.logit - Float(expected)))
                #expect(abs(entry.logit - Float(expected)) < tolerance, "logit of \(entry.id) for \(text)")
            }
            print("\(model.name), \(ids.count) tokens: top-10 logits within \(largest) of the reference")
            let lse = try #require(c["last_logsumexp"] as? Double)
            #expect(abs(last.logSumExp - Float(lse)) < tolerance, "logsumexp for \(text)")
            let argmax = positions.indices.map { i in LogitRow(Array(logits[i * V..<(i + 1) * V])).top(1)[0].id }
            let expectedArgmax = try #require(c["all_positions_argmax"] as? [Int])
            let differing = zip(argmax, positions.map { expectedArgmax[$0] }).filter { $0 != $1 }.count
            #expect(differing == 0, "argmax differs at \(differing) of \(positions.count) positions for \(text)")
            guard positions.first == 0 else { continue }
            for (i, expected) in (c["first_position_logits_0_8"] as? [Double] ?? []).enumerated() {
                #expect(abs(logits[i] - Float(expected)) < tolerance, "first-position logit \(i) for \(text)")
            }
        }
    }

    /// [BOS if given] [h0 h1 h2] + embed(x) + [h3 h4 h5]; loss = cross-entropy over the label words'
    /// logits at the last position; gradient with respect to the six inserted vectors.
    static func checkPromptGradient(_ model: LanguageModel, _ reference: [String: Any]) throws {
        let c = try #require(reference["prompt_gradient"] as? [String: Any])
        let expectedGradient = try #require(c["grad_h"] as? [[Double]]).flatMap { $0 }
        let expectedLoss = try #require(c["loss"] as? Double)
        let (loss, gradient) = try promptGradient(model, reference)
        let lossError = abs(loss - expectedLoss) / abs(expectedLoss)
        #expect(lossError < tolerances(reference)["loss_rel"] ?? 0, "loss \(loss) vs \(expectedLoss)")
        var diff = 0.0, norm = 0.0
        for (i, e) in expectedGradient.enumerated() {
            diff += (Double(gradient[i]) - e) * (Double(gradient[i]) - e)
            norm += e * e
        }
        let gradientError = (diff / norm).squareRoot()
        print("\(model.name): loss relative error \(lossError), gradient relative L2 error \(gradientError)")
        #expect(gradientError < tolerances(reference)["grad_rel_l2"] ?? 0, "gradient relative L2 error \(gradientError)")
    }

    /// The loss and the gradient [6, H] of the reference's prompt-gradient case, by `model`.
    static func promptGradient(_ model: LanguageModel, _ reference: [String: Any]) throws -> (loss: Double, gradient: [Float]) {
        let c = try #require(reference["prompt_gradient"] as? [String: Any])
        let x = try #require(c["x_ids"] as? [Int])
        let bos = c["bos"] as? [Int] ?? []
        let labels = try #require(c["label_ids"] as? [Int])
        let target = try #require(c["target"] as? Int)
        let h = try #require(c["h"] as? [[Double]])
        let (H, V) = (model.transformer.config.hiddenSize, model.transformer.config.vocabSize)

        let table = FloatBuffer(h.flatMap { $0.map(Float.init) })
        let sequence: [DecoderInput] = bos.map(DecoderInput.token) + [.embedding(0), .embedding(1), .embedding(2)]
            + x.map(DecoderInput.token) + [.embedding(3), .embedding(4), .embedding(5)]
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
        return (Double(ce.loss), dTable.array)
    }
}
