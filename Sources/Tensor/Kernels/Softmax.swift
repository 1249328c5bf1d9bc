import Foundation

/// Row-wise softmax and its backward pass, with an optional causal limit per row.
public enum Softmax {
    /// In place over x [rows, width]. Row r uses columns 0..<limit(r) and sets the rest to 0
    /// (`causalOffset`: row r sees columns 0...r + causalOffset; nil means every column).
    public static func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                               causalOffset: Int? = nil) {
        for r in 0..<rows {
            let row = x + r * width
            let n = causalOffset.map { min(width, r + $0 + 1) } ?? width
            var m = -Float.infinity
            for i in 0..<n { m = max(m, row[i]) }
            var sum: Float = 0
            for i in 0..<n {
                let e = expf(row[i] - m)
                row[i] = e
                sum += e
            }
            let inv = 1 / sum
            for i in 0..<n { row[i] *= inv }
            for i in n..<width { row[i] = 0 }
        }
    }

    /// dScores = p * (dp - sum(dp * p)) row by row; p [rows, width], dp [rows, width] -> written into dp.
    public static func backward(p: UnsafePointer<Float>, dp: UnsafeMutablePointer<Float>,
                                rows: Int, width: Int) {
        for r in 0..<rows {
            let pr = p + r * width
            let dr = dp + r * width
            var dot: Float = 0
            for i in 0..<width { dot += pr[i] * dr[i] }
            for i in 0..<width { dr[i] = pr[i] * (dr[i] - dot) }
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
