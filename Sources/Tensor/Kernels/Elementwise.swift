/// Simple elementwise operations on raw float ranges.
public enum Elementwise {
    /// y[i] += x[i] for i in 0..<count.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        parallelFor(count, minChunk: 1 << 14) { range in
            for i in range { y[i] += x[i] }
        }
    }

    /// y[i] = x[i] for i in 0..<count, on every thread (a layer's residual rows: a megabyte or more).
    public static func copy(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        parallelFor(count, minChunk: 1 << 14) { range in
            (y + range.lowerBound).update(from: x + range.lowerBound, count: range.count)
        }
    }

    /// Adds bias [width] to every row of y [rows, width] (row stride `stride`).
    public static func addBias(_ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>,
                               rows: Int, width: Int, stride: Int) {
        for r in 0..<rows {
            let yr = y + r * stride
            for i in 0..<width { yr[i] += bias[i] }
        }
    }
}
