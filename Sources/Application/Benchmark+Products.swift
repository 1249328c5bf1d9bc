import Foundation
import LM
import Tensor

extension Benchmark {
    /// One block projection's rate in one direction.
    public struct ProductRate: Encodable {
        /// The projection's name in `Transformer.blockProjections`.
        public let matrix: String
        /// "forward" (c = x Wᵀ) or "backward" (c = dy W).
        public let direction: String
        /// The product's shape: m rows, n outputs per row, sums of k terms.
        public let m: Int
        public let n: Int
        public let k: Int
        /// Over all the calls timed, and over the fastest one: on a machine whose speed varies from second
        /// to second (a shared virtual machine), the fastest call is the figure that compares builds.
        public let gflops: Double
        public let best_gflops: Double
        /// The same product on the weights widened to fp32 (OpenBLAS sgemm, split between the threads
        /// as the model's own products are); nil when the model's weights are fp32 already.
        public let fp32_gflops: Double?
    }

    /// The figures of `runProducts`, printed as a table or JSON.
    public struct ProductReport: Encodable {
        public let system = "ptune"
        public let model: String
        public let precision: String
        /// What multiplied the weight matrices (`Precision.kernel`).
        public let kernel: String
        public let threads: Int
        /// The benchmark's shape, which sets `rows`.
        public let batch: Int
        public let seq: Int
        public let virtual: Int
        /// The rows every product takes: those a training step of the benchmark's shape computes.
        public let rows: Int
        public let products: [ProductRate]

        public var table: String {
            let header = """
                model            \(model)
                products         \(rows) rows a product (batch \(batch) x (\(virtual) virtual + \(seq) tokens)), \(threads) threads, \(precision) weights (\(kernel))

                """
            let columns = ["matrix    direction  m x n x k               GFLOP/s  fastest call  fp32 GFLOP/s"]
            let lines = products.map { p in
                let shape = "\(p.m) x \(p.n) x \(p.k)"
                return p.matrix.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + p.direction.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + shape.padding(toLength: 21, withPad: " ", startingAt: 0)
                    + String(format: "%10.1f", p.gflops)
                    + String(format: "%14.1f", p.best_gflops)
                    + (p.fp32_gflops.map { String(format: "%14.1f", $0) } ?? "             -")
            }
            return header + (columns + lines).joined(separator: "\n")
        }
    }

    /// Times each block projection alone, forward and backward, at the rows a training step of this
    /// benchmark's shape computes, with the model's own weights and kernel, and the same products on
    /// the weights widened to fp32. Each product is timed for a tenth of `seconds`: the kernels' rates
    /// on the model's real shapes, apart from everything else a step does.
    public func runProducts() -> ProductReport {
        var rng = SeededGenerator(seed: 0)
        let m = workload(&rng).shape.rowCount
        let transformer = model.transformer
        let widens = transformer.precision != .fp32
        var rates: [ProductRate] = []
        for (name, matrix) in transformer.blockProjections {
            let fp32 = widens ? Self.widened(matrix) : nil
            for forward in [true, false] {
                let (n, k) = forward ? (matrix.rows, matrix.columns) : (matrix.columns, matrix.rows)
                progress?("timing \(name) \(forward ? "forward" : "backward") (\(m) x \(n) x \(k)) ...")
                let operand = rng.normalBuffer(count: m * k, std: 1)
                let result = FloatBuffer(count: m * n)
                let flops = 2 * Double(m) * Double(n) * Double(k)
                let rate = { (w: FrozenMatrix) -> (mean: Double, best: Double) in
                    let scratch = Scratch()
                    let t = Self.calls(seconds / 10) {
                        if forward {
                            w.forward(operand.pointer, count: m, into: result.pointer, scratch: scratch)
                        } else {
                            w.backward(operand.pointer, count: m, into: result.pointer, scratch: scratch)
                        }
                    }
                    return (flops / t.mean / 1e9, flops / t.shortest / 1e9)
                }
                let own = rate(matrix)
                rates.append(ProductRate(matrix: name, direction: forward ? "forward" : "backward", m: m, n: n, k: k,
                                         gflops: own.mean, best_gflops: own.best, fp32_gflops: fp32.map { rate($0).mean }))
            }
        }
        return ProductReport(model: model.name, precision: transformer.precision.rawValue,
                             kernel: transformer.precision.kernel, threads: Threads.count, batch: batch, seq: seq,
                             virtual: virtual, rows: m, products: rates)
    }

    /// `matrix` with its weights widened to fp32, as it reads them.
    private static func widened(_ matrix: FrozenMatrix) -> FrozenMatrix {
        let values = FloatBuffer(count: matrix.rows * matrix.columns)
        for r in 0..<matrix.rows { matrix.row(r, into: values.pointer + r * matrix.columns) }
        return FrozenMatrix(values, rows: matrix.rows, columns: matrix.columns, precision: .fp32)
    }
}
