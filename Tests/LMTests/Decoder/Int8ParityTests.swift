import LM
import Tensor
import TestSupport
import Testing

/// The real SmolLM2-135M in int8 against the same model in fp32, on the prompts of ../shared/reference.
/// Its Q4_1 matrices stay in the file's blocks and the forward products see each operand in 16 bits
/// per block of 32 (figures in docs/PERFORMANCE.md): the same top ten at each prompt's last position, logits
/// within 0.05, and a prompt gradient whose cosine similarity with fp32's is at least 0.999.
/// Serialized, with its own fp32 model: a decoder keeps its activations between passes, so one model
/// runs one pass at a time (ReferenceParityTests runs its own beside this suite).
@Suite(.serialized, .enabled(if: TestEnvironment.smolLM2 != nil && TestEnvironment.smolLM2Reference != nil,
                             "needs the cached SmolLM2 model (make model) and ../shared/reference"))
struct Int8ParityTests {
    static let int8: LanguageModel? = TestEnvironment.smolLM2.flatMap { try? LanguageModel.load(path: $0, precision: .int8) }
    static let fp32: LanguageModel? = TestEnvironment.smolLM2.flatMap { try? LanguageModel.load(path: $0) }
    /// The largest difference allowed between an int8 and an fp32 logit among the top ten.
    static let logitTolerance: Float = 0.05

    @Test func theNextTokenIsFp32sAndTheLogitsClose() throws {
        let (int8, fp32) = (try #require(Self.int8), try #require(Self.fp32))
        let cases = TestEnvironment.smolLM2Reference?["forward"] as? [[String: Any]] ?? []
        #expect(!cases.isEmpty)
        for c in cases {
            let ids = try #require(c["ids"] as? [Int])
            let rows = [int8, fp32].map { model in
                let pass = model.transformer.forward(DecoderBatch(tokens: [ids]),
                                                     logitsAt: [LogitPosition(sequence: 0, position: ids.count - 1)],
                                                     saveForBackward: false)
                return LogitRow(pass.logits.array)
            }
            let (quantized, exact) = (rows[0].top(10), rows[1].top(10))
            let shared = Set(quantized.map(\.id)).intersection(exact.map(\.id)).count
            #expect(quantized.map(\.id) == exact.map(\.id), "top-10 ids, \(ids.count) tokens: \(shared) shared")
            let largest = zip(quantized, exact).map { abs($0.logit - $1.logit) }.max() ?? 0
            print("int8 vs fp32, \(ids.count) tokens: \(shared) of the top-10 ids shared, logits within \(largest)")
            #expect(largest < Self.logitTolerance, "top-10 logits differ by \(largest), \(ids.count) tokens")
        }
    }

    @Test func thePromptGradientPointsWhereFp32sDoes() throws {
        let (int8, fp32) = (try #require(Self.int8), try #require(Self.fp32))
        let reference = TestEnvironment.smolLM2Reference ?? [:]
        let quantized = try ReferenceParity.promptGradient(int8, reference).gradient
        let exact = try ReferenceParity.promptGradient(fp32, reference).gradient
        var dot = 0.0, quantizedNorm = 0.0, exactNorm = 0.0
        for (q, e) in zip(quantized, exact) {
            dot += Double(q) * Double(e)
            quantizedNorm += Double(q) * Double(q)
            exactNorm += Double(e) * Double(e)
        }
        let cosine = dot / (quantizedNorm * exactNorm).squareRoot()
        print("int8 vs fp32: prompt gradient cosine similarity \(cosine)")
        #expect(cosine >= 0.999, "cosine similarity \(cosine)")
        #expect(cosine < 1, "the int8 model must not fall back to fp32")
    }
}
