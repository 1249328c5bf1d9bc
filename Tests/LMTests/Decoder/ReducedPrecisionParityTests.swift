import LM
import Tensor
import TestSupport
import Testing

/// The real SmolLM2-135M in bf16 and in int8 against the same model in fp32, on the prompts of
/// ../shared/reference, with the kernels this CPU runs by default (figures in docs/PERFORMANCE.md):
/// the same top ten at each prompt's last position (for bf16, fp32's first nine among its ten, and
/// each token of either ten with the same logit within the tolerance), logits within a tolerance per
/// precision, and a
/// prompt gradient whose cosine similarity with fp32's is at least 0.999. int8 keeps the Q4_1 matrices
/// in the file's blocks and its forward products see each operand in 16 bits per block of 32; bf16
/// rounds the weights (and, with AVX-512 BF16, the operands) to 8 bits of mantissa.
/// Serialized, with its own fp32 model: a decoder keeps its activations between passes, so one model
/// runs one pass at a time (ReferenceParityTests runs its own beside this suite).
@Suite(.serialized, .enabled(if: TestEnvironment.smolLM2 != nil && TestEnvironment.smolLM2Reference != nil,
                             "needs the cached SmolLM2 model (make model) and ../shared/reference"))
struct ReducedPrecisionParityTests {
    static let fp32: LanguageModel? = model(.fp32)
    static let reduced: [Precision: LanguageModel] = [.bf16: model(.bf16), .int8: model(.int8)].compactMapValues { $0 }
    /// The largest difference allowed between a logit and fp32's among the top ten.
    static let logitTolerance: [Precision: Float] = [.bf16: 0.25, .int8: 0.05]

    static func model(_ precision: Precision) -> LanguageModel? {
        TestEnvironment.smolLM2.flatMap { try? LanguageModel.load(path: $0, precision: precision) }
    }

    @Test(arguments: [Precision.bf16, .int8])
    func theNextTokenIsFp32sAndTheLogitsClose(precision: Precision) throws {
        let (reduced, fp32) = (try #require(Self.reduced[precision]), try #require(Self.fp32))
        let cases = TestEnvironment.smolLM2Reference?["forward"] as? [[String: Any]] ?? []
        #expect(!cases.isEmpty)
        for c in cases {
            let ids = try #require(c["ids"] as? [Int])
            let rows = [reduced, fp32].map { model in
                let pass = model.transformer.forward(DecoderBatch(tokens: [ids]),
                                                     logitsAt: [LogitPosition(sequence: 0, position: ids.count - 1)],
                                                     saveForBackward: false)
                return LogitRow(pass.logits.array)
            }
            let (approximate, exact) = (rows[0].top(10), rows[1].top(10))
            let shared = Set(approximate.map(\.id)).intersection(exact.map(\.id)).count
            if precision == .int8 {
                #expect(approximate.map(\.id) == exact.map(\.id), "int8 top-10 ids, \(ids.count) tokens: \(shared) shared")
            } else {
                // bf16 may reorder tokens whose logits are within its tolerance, fp32's tenth and
                // eleventh among them: fp32's first nine are in bf16's ten, and every token of either
                // ten has the same logit in both within the tolerance.
                let bf16Ten = Set(approximate.map(\.id))
                #expect(exact.prefix(9).allSatisfy { bf16Ten.contains($0.id) }, "bf16 top-10 ids, \(ids.count) tokens: \(shared) shared")
                for id in bf16Ten.union(exact.map(\.id)) {
                    let gap = abs(rows[0].values[id] - rows[1].values[id])
                    #expect(gap < Self.logitTolerance[precision, default: 0], "token \(id): logits differ by \(gap)")
                }
            }
            let largest = zip(approximate, exact).map { abs($0.logit - $1.logit) }.max() ?? 0
            print("\(precision) (\(precision.kernel)) vs fp32, \(ids.count) tokens: \(shared) of the top-10 ids shared, logits within \(largest)")
            #expect(largest < Self.logitTolerance[precision, default: 0], "top-10 logits differ by \(largest), \(ids.count) tokens")
        }
    }

    @Test(arguments: [Precision.bf16, .int8])
    func thePromptGradientPointsWhereFp32sDoes(precision: Precision) throws {
        let (reduced, fp32) = (try #require(Self.reduced[precision]), try #require(Self.fp32))
        let reference = TestEnvironment.smolLM2Reference ?? [:]
        let approximate = try ReferenceParity.promptGradient(reduced, reference).gradient
        let exact = try ReferenceParity.promptGradient(fp32, reference).gradient
        var dot = 0.0, approximateNorm = 0.0, exactNorm = 0.0
        for (a, e) in zip(approximate, exact) {
            dot += Double(a) * Double(e)
            approximateNorm += Double(a) * Double(a)
            exactNorm += Double(e) * Double(e)
        }
        let cosine = dot / (approximateNorm * exactNorm).squareRoot()
        print("\(precision) (\(precision.kernel)) vs fp32: prompt gradient cosine similarity \(cosine)")
        #expect(cosine >= 0.999, "cosine similarity \(cosine)")
        #expect(cosine < 1, "the \(precision) model must not fall back to fp32")
    }
}
