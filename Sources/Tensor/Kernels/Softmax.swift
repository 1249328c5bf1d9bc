import CVector
import Foundation

/// Row-wise softmax and its backward pass, with an optional causal limit per row.
public enum Softmax {
    /// In place over x [rows, width]. Row r uses the columns it sees and sets the rest to 0
    /// (`causalOffset`: row r sees columns 0...r + causalOffset; nil means every column; `window`, with
    /// a causal offset: only the last `window` of those, as sliding-window attention does).
    public static func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                               causalOffset: Int? = nil, window: Int? = nil) {
        precondition((causalOffset ?? 0) >= 0 && (window ?? 0) >= 0, "a causal offset and a window are not negative")
        ptune_softmax_rows(x, rows, width, causalOffset ?? -1, window ?? -1)
    }

    /// dScores = p * (dp - sum(dp * p)) row by row; p [rows, width], dp [rows, width] -> written into dp.
    /// With `causalOffset` (as in `forward`), row r works on columns 0...r + causalOffset and sets the
    /// rest of its dp to 0, where p is 0. A forward `window` needs nothing here: p is 0 outside it too.
    public static func backward(p: UnsafePointer<Float>, dp: UnsafeMutablePointer<Float>,
                                rows: Int, width: Int, causalOffset: Int? = nil) {
        precondition((causalOffset ?? 0) >= 0, "a causal offset is not negative")
        ptune_softmax_backward_rows(p, dp, rows, width, causalOffset ?? -1)
    }

    /// log(sum(exp(x))) of one row, computed stably: the maximum subtracted, the exponentials summed by
    /// `ptune_vector_exp_sum` (a vocabulary's 49,152 to 262,144 values a loss position; the C library's
    /// expf one at a time took milliseconds a step).
    public static func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, x[i]) }
        let sum = withUnsafeTemporaryAllocation(of: Float.self, capacity: max(count, 1)) { exps in
            ptune_vector_exp_sum(x, count, m, exps.baseAddress!)
        }
        return m + logf(sum)
    }
}
