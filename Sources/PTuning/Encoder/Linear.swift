import Tensor

/// y = x · Wᵀ + b over rows, with W [output, input] and b [output] stored at offsets in a flat
/// parameter buffer (PyTorch's nn.Linear layout).
struct Linear {
    let input: Int
    let output: Int
    let weight: Int
    let bias: Int

    /// The bound of PyTorch's default initialisation, 1/√fan_in.
    static func initBound(input: Int) -> Float { 1 / Float(input).squareRoot() }

    /// x [rows, input] -> y [rows, output].
    func forward(x: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>,
                 y: UnsafeMutablePointer<Float>) {
        gemm(.none, .transposed, m: rows, n: output, k: input, a: x, b: parameters + weight, c: y)
        Elementwise.addBias(parameters + bias, to: y, rows: rows, width: output, stride: output)
    }

    /// Adds dW += dyᵀ · x (as its factors) and db += Σ_rows dy into `gradient`, and writes
    /// dx [rows, input] = dy · W.
    func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int,
                  parameters: UnsafePointer<Float>, gradient: EncoderGradient, dx: UnsafeMutablePointer<Float>) {
        gradient.factors(at: weight).add(count: rows, dy: dy, dyStride: output, x: x, xStride: input)
        addColumnSums(dy, rows: rows, width: output, into: gradient.values(at: bias))
        gemm(.none, .none, m: rows, n: input, k: output, a: dy, b: parameters + weight, c: dx)
    }
}

/// sums[j] += Σ_r x[r, j] for x [rows, width], summed in row order.
func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, width: Int, into sums: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = x + r * width
        for j in 0..<width { sums[j] += row[j] }
    }
}
