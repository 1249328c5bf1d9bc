import Tensor

/// Scales `gradient` so its global L2 norm is at most `maxNorm`, as PyTorch's
/// torch.nn.utils.clip_grad_norm_ does (factor maxNorm / (norm + 1e-6), capped at 1).
/// Returns the norm before clipping (`gradientNorm`).
@discardableResult
public func clipGradientNorm(_ gradient: FloatBuffer, maxNorm: Float) -> Float {
    let norm = Float(gradientNorm(gradient))
    let factor = maxNorm / (norm + 1e-6)
    if factor < 1 {
        let values = gradient.pointer
        parallelFor(gradient.count, minChunk: 1 << 15) { range in
            for i in range { values[i] *= factor }
        }
    }
    return norm
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
