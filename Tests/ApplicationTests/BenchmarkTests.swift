import Application
import LM
import PTuning
import Tensor
import Testing

/// `Benchmark` in-process on a tiny random model: it times `PromptStep` with the encoder it is given.
/// It leaves sgemm unmeasured, which would give OpenBLAS its own threads while other tests multiply
/// (`ptune bench` measures it: BenchCommandTests).
@Suite struct BenchmarkTests {
    @Test func reportsTheShapeAndTheEncodersShareOfAStep() throws {
        let tiny = try TinyBundle()
        let model = try LanguageModel.load(path: tiny.model, precision: .fp32)
        let report = Benchmark(model: model, batch: 2, seq: 5, virtual: 3,
                               encoder: EncoderSettings(kind: .mlp, hiddenSize: 8), seconds: 0.05, progress: nil,
                               measuresSGEMM: false).run()
        #expect(report.rows == 3 + 2 * 5)
        #expect(report.encoder == "mlp")
        #expect(report.encoder_share > 0 && report.encoder_share < 1)
        let phases = [report.encoder_forward_ms, report.encoder_backward_ms, report.encoder_clipping_ms,
                      report.encoder_update_ms]
        #expect(phases.allSatisfy { $0 >= 0 })
        #expect(abs(phases.reduce(0, +) - report.encoder_ms) <= 0.25, "the phases add up to the encoder's time")
        #expect(report.table.contains("(forward "), "the table gives the phases")
        #expect(report.train_step_ms > 0)
        #expect(report.bytes_per_weight == 4)
        #expect(report.sgemm_gflops == nil && report.table.contains("machine sgemm    not measured"))
    }

    /// The products alone: every block projection both ways at the step's row count, with the shapes
    /// of the model's own matrices, and the fp32 comparison only where the weights are not fp32.
    @Test(arguments: [Precision.fp32, .bf16])
    func timesEveryBlockProjectionBothWays(precision: Precision) throws {
        let tiny = try TinyBundle()
        let model = try LanguageModel.load(path: tiny.model, precision: precision)
        let report = Benchmark(model: model, batch: 2, seq: 5, virtual: 3,
                               encoder: EncoderSettings(kind: .none, hiddenSize: 0), seconds: 0.05, progress: nil,
                               measuresSGEMM: false).runProducts()
        #expect(report.rows == 3 + 2 * 5)
        #expect(report.precision == precision.rawValue)
        let matrices = model.transformer.blockProjections
        #expect(report.products.map(\.matrix) == matrices.flatMap { [$0.name, $0.name] })
        for (rate, (matrix, forward)) in zip(report.products, matrices.flatMap { m in [(m.matrix, true), (m.matrix, false)] }) {
            #expect(rate.direction == (forward ? "forward" : "backward"))
            #expect(rate.m == report.rows)
            #expect([rate.n, rate.k] == (forward ? [matrix.rows, matrix.columns] : [matrix.columns, matrix.rows]))
            #expect(rate.gflops > 0 && rate.best_gflops >= rate.gflops)
            #expect((rate.fp32_gflops != nil) == (precision != .fp32))
        }
        #expect(report.table.contains("qkv       forward"))
    }
}
