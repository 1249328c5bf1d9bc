import CVector
import Foundation

/// Row-wise softmax and its backward pass, with an optional causal limit per row.
public enum Softmax {
    /// In place over x [rows, width]. Row r uses the columns it sees and sets the rest to 0
    /// (`causalOffset`: row r sees columns 0...r + causalOffset; nil means every column; `window`, with
    /// a causal offset: only the last `window` of those, as sliding-window attention does).
    public static func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                               causalOffset: Int? = nil, window: Int? = nil) {
        for r in 0..<rows {
            let end = causalOffset.map { min(width, r + $0 + 1) } ?? width
            let start = window.map { max(0, end - $0) } ?? 0
            (x + r * width).update(repeating: 0, count: start)
            let row = x + r * width + start
            let raw = UnsafeMutableRawPointer(row)
            let n = end - start
            var maxima = SIMD16<Float>(repeating: -.infinity)
            var i = 0
            while i + 16 <= n {
                // A lane-wise select: pointwiseMax does not compile to vector code.
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                maxima = maxima.replacing(with: v, where: v .> maxima)
                i += 16
            }
            var m = maxima.max()
            while i < n { m = max(m, row[i]); i += 1 }
            let inv = 1 / ptune_vector_exp_sum(row, n, m, row)
            for i in 0..<n { row[i] *= inv }
            for i in end..<width { x[r * width + i] = 0 }
        }
    }

    /// dScores = p * (dp - sum(dp * p)) row by row; p [rows, width], dp [rows, width] -> written into dp.
    /// With `causalOffset` (as in `forward`), row r works on columns 0...r + causalOffset and sets the
    /// rest of its dp to 0, where p is 0. A forward `window` needs nothing here: p is 0 outside it too.
    public static func backward(p: UnsafePointer<Float>, dp: UnsafeMutablePointer<Float>,
                                rows: Int, width: Int, causalOffset: Int? = nil) {
        for r in 0..<rows {
            let pr = UnsafeRawPointer(p + r * width)
            let dr = UnsafeMutableRawPointer(dp + r * width)
            let n = causalOffset.map { min(width, r + $0 + 1) } ?? width
            let dot = Vector.dot(p + r * width, dp + r * width, n)
            let shift = SIMD16<Float>(repeating: dot)
            var i = 0
            while i + 16 <= n {
                let g = pr.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    * (dr.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - shift)
                dr.storeBytes(of: g, toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            while i < n { dp[r * width + i] = p[r * width + i] * (dp[r * width + i] - dot); i += 1 }
            for i in n..<width { dp[r * width + i] = 0 }
        }
    }

    /// log(sum(exp(x))) of one row, computed stably.
    public static func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, x[i]) }
        var sum: Float = 0
        for i in 0..<count { sum += expf(x[i] - m) }
        return m + logf(sum)
    }
}
