/// Root-mean-square layer normalisation over the last dimension.
///
/// forward:  y[r, :] = x[r, :] * rstd[r] * gain,   rstd[r] = 1 / sqrt(mean(x[r, :]^2) + eps)
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
        for r in 0..<rows {
            let xr = x + r * width
            let yr = y + r * width
            var sum: Float = 0
            for i in 0..<width { sum += xr[i] * xr[i] }
            let s = 1 / (sum / Float(width) + eps).squareRoot()
            rstd[r] = s
            for i in 0..<width { yr[i] = xr[i] * s * gain[i] }
        }
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
            for r in range {
                let xr = x + r * width
                let dyr = dy + r * width
                let dxr = dx + r * width
                let s = rstd[r]
                var dot: Float = 0
                for i in 0..<width { dot += gain[i] * dyr[i] * xr[i] }
                let k = dot * s * s * s / Float(width)
                if accumulate {
                    for i in 0..<width { dxr[i] += s * gain[i] * dyr[i] - xr[i] * k }
                } else {
                    for i in 0..<width { dxr[i] = s * gain[i] * dyr[i] - xr[i] * k }
                }
            }
        }
    }
}
