import CVector
import Foundation

/// Mean softmax cross-entropy over rows of logits, and its gradient.
public enum CrossEntropy {
    /// logits [rows, width], one target column per row -> (mean loss, dLoss/dLogits [rows, width]).
    public static func gradient(logits: FloatBuffer, targets: [Int], width: Int) -> (loss: Double, gradient: FloatBuffer) {
        let rows = targets.count
        precondition(logits.count >= rows * width, "logits hold fewer than rows * width values")
        let gradient = FloatBuffer(count: rows * width)
        var total = 0.0
        let scale = 1 / Float(max(rows, 1))
        for r in 0..<rows {
            let row = logits.pointer + r * width
            let g = gradient.pointer + r * width
            let lse = Softmax.logSumExp(row, count: width)
            total += Double(lse - row[targets[r]])
            _ = ptune_vector_exp_sum(row, width, lse, g)
            for i in 0..<width { g[i] *= scale }
            g[targets[r]] -= scale
        }
        return (total / Double(max(rows, 1)), gradient)
    }
}
