import Tensor

/// The global L2 norm of `gradient` (`gradientNorm`) and the factor that clips it to `maxNorm`, as
/// PyTorch's torch.nn.utils.clip_grad_norm_ computes it: maxNorm / (norm + 1e-6), capped at 1. The
/// optimizer applies the factor as it reads the gradient (`AdamOptimizer.step`'s `gradientScale`).
public func clipFactor(_ gradient: FloatBuffer, maxNorm: Float) -> (norm: Float, factor: Float) {
    let norm = Float(gradientNorm(gradient))
    return (norm, min(1, maxNorm / (norm + 1e-6)))
}

/// Values per block of `gradientNorm`'s sum.
private let normBlock = 1 << 14

/// The L2 norm of `gradient`, summed in double: each block of 16,384 values with four running sums
/// (value i into sum i mod 4, a last block's last few values into the first), the blocks' sums then
/// added in order. The blocks are summed in
/// parallel, and the result does not depend on how many threads there are. (A single running sum
/// waits on each addition, which over an encoder's millions of values takes tens of milliseconds.)
public func gradientNorm(_ gradient: FloatBuffer) -> Double {
    let values = gradient.pointer, count = gradient.count
    let blocks = (count + normBlock - 1) / normBlock
    var sums = [Double](repeating: 0, count: blocks)
    sums.withUnsafeMutableBufferPointer { sums in
        parallelFor(blocks) { range in
            for block in range {
                let start = block * normBlock, end = min(count, start + normBlock)
                var lanes: (Double, Double, Double, Double) = (0, 0, 0, 0)
                var i = start
                while i + 4 <= end {
                    let (a, b, c, d) = (Double(values[i]), Double(values[i + 1]), Double(values[i + 2]), Double(values[i + 3]))
                    lanes = (lanes.0 + a * a, lanes.1 + b * b, lanes.2 + c * c, lanes.3 + d * d)
                    i += 4
                }
                while i < end {
                    lanes.0 += Double(values[i]) * Double(values[i])
                    i += 1
                }
                sums[block] = (lanes.0 + lanes.1) + (lanes.2 + lanes.3)
            }
        }
    }
    return sums.reduce(0, +).squareRoot()
}
