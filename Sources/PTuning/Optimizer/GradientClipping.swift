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

/// The L2 norm of `gradient`, summed in double: each block of 16,384 values by `Vector.sumOfSquares`
/// (sixteen running sums; a single running sum waits on each addition, which over an encoder's
/// millions of values takes tens of milliseconds), the blocks in parallel and their sums then added
/// in order, so the result does not depend on how many threads there are.
public func gradientNorm(_ gradient: FloatBuffer) -> Double {
    let values = gradient.pointer, count = gradient.count
    let blocks = (count + normBlock - 1) / normBlock
    var sums = [Double](repeating: 0, count: blocks)
    sums.withUnsafeMutableBufferPointer { sums in
        parallelFor(blocks) { range in
            for block in range {
                let start = block * normBlock
                sums[block] = Vector.sumOfSquares(values + start, min(count, start + normBlock) - start)
            }
        }
    }
    return sums.reduce(0, +).squareRoot()
}
