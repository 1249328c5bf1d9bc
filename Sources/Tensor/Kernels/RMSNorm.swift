import CVector

/// Root-mean-square layer normalisation over the last dimension.
///
/// forward:  y[r, :] = x[r, :] * rstd[r] * gain,   rstd[r] = 1 / sqrt(mean(x[r, :]^2) + eps)
///
/// The rows' sums run in C (`ptune_rms_norm_forward`, `ptune_rms_norm_backward`) in sixteen lanes on
/// every CPU, the same bits on each: Swift keeps a float sum in order, one add after another.
public enum RMSNorm {
    /// x [rows, width] -> y [rows, width]; writes rstd [rows] for the backward pass.
    /// `y` may alias `x`.
    public static func forward(x: UnsafePointer<Float>, gain: UnsafePointer<Float>, eps: Float,
                               rows: Int, width: Int,
                               y: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 16) { range in
            let first = range.lowerBound
            forwardOnThisThread(x: x + first * width, gain: gain, eps: eps, rows: range.count, width: width,
                                y: y + first * width, rstd: rstd + first)
        }
    }

    /// `forward` on the calling thread alone: for rows made inside a parallel region (a product's
    /// operand made a block at a time, `FrozenMatrix.Operand`). Each row's bits do not depend on
    /// which rows go together.
    public static func forwardOnThisThread(x: UnsafePointer<Float>, gain: UnsafePointer<Float>, eps: Float,
                                           rows: Int, width: Int,
                                           y: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        ptune_rms_norm_forward(x, gain, eps, rows, width, y, rstd)
    }

    /// Gradient with respect to x only (the gain is frozen).
    ///
    /// dx[r, :] (+)= rstd * (g * dy) - x * rstd^3 / width * sum(g * dy * x)
    /// x [rows, width], dy [rows, width], rstd [rows] -> dx [rows, width]; adds into dx when `accumulate`.
    /// Without `accumulate`, `dx` may alias `dy` (each row reads dy whole before writing dx).
    public static func backward(x: UnsafePointer<Float>, gain: UnsafePointer<Float>,
                                rstd: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                rows: Int, width: Int, dx: UnsafeMutablePointer<Float>,
                                accumulate: Bool) {
        parallelFor(rows, minChunk: 16) { range in
            let first = range.lowerBound
            ptune_rms_norm_backward(x + first * width, gain, rstd + first, dy + first * width, range.count, width,
                                    dx + first * width, accumulate ? 1 : 0)
        }
    }
}
