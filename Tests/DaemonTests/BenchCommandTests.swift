import Foundation
import Tensor
import Testing

/// `ptune bench` on a tiny random model: a training step includes the prompt encoder, sized like the
/// baseline's by default, and the report says what the weights take.
struct BenchCommandTests {
    @Test func aStepRunsTheBaselinesEncoderAndReportsItsShare() throws {
        let h = try ServiceHarness()
        let model = h.models.appendingPathComponent("tiny").path
        let run = try h.cli(["bench", "--model", model, "--batch", "2", "--seq", "5", "--virtual", "3",
                             "--seconds", "0.05", "--threads", "1", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(report["encoder"] as? String == "lstm")
        #expect(report["encoder_hidden"] as? Int == 32, "twice the tiny model's width of 16")
        let share = try #require(report["encoder_share"] as? Double)
        #expect(share > 0 && share < 1)
        #expect(report["rows"] as? Int == 3 + 2 * 5)
        #expect(report["bytes_per_weight"] as? Double == 4)
        #expect((report["sgemm_gflops"] as? Double ?? 0) > 0, "the command measures this machine's sgemm")
    }

    @Test func int8NamesItsKernelAndTakesAboutAByteAWeight() throws {
        let h = try ServiceHarness()
        let run = try h.cli(["bench", "--model", h.models.appendingPathComponent("tiny").path, "--batch", "2",
                             "--seq", "5", "--virtual", "3", "--seconds", "0.05", "--precision", "int8", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(report["precision"] as? String == "int8")
        let kernels = (report["kernel"] as? String ?? "").components(separatedBy: ", ")
        #expect(kernels.count == 2 && Precision.int8Kernels.names.contains(kernels[0])
                && (Precision.bf16Kernels.names + [Precision.fp32.kernel]).contains(kernels[1]), "\(kernels)")
        let bytes = try #require(report["bytes_per_weight"] as? Double)
        #expect(bytes > 1 && bytes < 1.2, "a byte per weight, a scale per tile, the fp32 norms: \(bytes)")
    }

    @Test func productsAloneNameTheKernelAndEveryProjection() throws {
        let h = try ServiceHarness()
        let run = try h.cli(["bench", "--model", h.models.appendingPathComponent("tiny").path, "--batch", "2",
                             "--seq", "5", "--virtual", "3", "--seconds", "0.5", "--precision", "bf16",
                             "--products", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(report["precision"] as? String == "bf16")
        #expect(report["kernel"] as? String == Precision.bf16.kernel)
        let products = try #require(report["products"] as? [[String: Any]])
        #expect(products.map { "\($0["matrix"] ?? "") \($0["direction"] ?? "")" }
                == ["qkv", "output", "gate_up", "down"].flatMap { ["\($0) forward", "\($0) backward"] })
        #expect(products.allSatisfy { ($0["gflops"] as? Double ?? 0) > 0 && ($0["fp32_gflops"] as? Double ?? 0) > 0 })
    }

    @Test func anOddLSTMWidthIsRefused() throws {
        let h = try ServiceHarness()
        let run = try h.cli(["bench", "--model", h.models.appendingPathComponent("tiny").path,
                             "--encoder-hidden", "33"])
        #expect(run.status != 0)
        #expect(run.err.contains("--encoder-hidden"))
    }
}
