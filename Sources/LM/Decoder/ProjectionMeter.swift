import Base
import Tensor

/// Wall time and operations of a transformer's block projections, the GEMM-bound part of a step, while
/// it is attached as `Transformer.projectionMeter`. For benchmarks: the rate the products reach. The
/// norms, the gate and the gate's backward (with the kept rows it decodes) that make the qkv, gate/up,
/// down and gate/up-backward operands run inside those products (`FrozenMatrix.Operand`), so their
/// time counts here too (`ptune bench --products` times the products alone).
public final class ProjectionMeter {
    /// Seconds spent inside the products.
    public private(set) var seconds = 0.0
    /// Multiply-adds counted as two operations.
    public private(set) var operations = 0.0

    public init() {}

    /// Operations per second inside the products, in GFLOP/s.
    public var gflops: Double { seconds > 0 ? operations / seconds / 1e9 : 0 }

    /// Runs `body`, a product of `rows` rows with `matrix`, and adds its time and operations.
    func measure(_ matrix: FrozenMatrix, rows: Int, _ body: () -> Void) {
        var elapsed = 0.0
        timed(&elapsed, body)
        seconds += elapsed
        operations += 2 * Double(rows) * Double(matrix.rows) * Double(matrix.columns)
    }
}
